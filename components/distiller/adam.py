"""Adam on the support set (images, label vectors) in float32 numpy, so that an
optimiser's state is plain arrays a checkpoint can hold (KIP, nfr, logreg)."""

from typing import Tuple

import numpy as np

ADAM_BETA1, ADAM_BETA2, ADAM_EPS = 0.9, 0.999, 1e-8


def adam_update(param: np.ndarray, grad: np.ndarray, m: np.ndarray, v: np.ndarray,
                t: int, lr: float) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
  """One Adam step (t counts from 1) in float32 numpy: returns (param, m, v)."""
  grad = grad.astype(np.float32)
  m = (ADAM_BETA1 * m + (1 - ADAM_BETA1) * grad).astype(np.float32)
  v = (ADAM_BETA2 * v + (1 - ADAM_BETA2) * grad * grad).astype(np.float32)
  m_hat = m / np.float32(1 - ADAM_BETA1**t)
  v_hat = v / np.float32(1 - ADAM_BETA2**t)
  param = (param - np.float32(lr) * m_hat / (np.sqrt(v_hat) + np.float32(ADAM_EPS)))
  return param.astype(np.float32), m, v
