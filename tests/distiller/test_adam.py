"""Adam on the support set (adam.py)."""

import numpy as np

from tfx_distill.components.distiller.adam import adam_update


def test_first_adam_step_moves_by_learning_rate_against_the_gradient():
  param = np.array([1.0, 2.0, 3.0], np.float32)
  grad = np.array([0.5, -2.0, 1e-3], np.float32)
  new, m, v = adam_update(param, grad, np.zeros(3, np.float32), np.zeros(3, np.float32),
                          1, 0.01)
  np.testing.assert_allclose(new, param - 0.01 * np.sign(grad), rtol=1e-5)
  np.testing.assert_allclose(m, 0.1 * grad, rtol=1e-6)
  np.testing.assert_allclose(v, 0.001 * grad * grad, rtol=1e-5)
