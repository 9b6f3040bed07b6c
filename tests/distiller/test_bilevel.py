"""Bi-level logistic regression: the inner solver, and the implicit gradient against
finite differences of the outer loss through the re-solved inner problem."""

import numpy as np
import tensorflow as tf

from tfx_distill.components.distiller import bilevel
from tfx_distill.components.distiller.job import Job
from tfx_distill.components.distiller.settings import LogregSettings
from tfx_distill.contracts.example_format import unstandardise

L2REG = 0.1


def _problem(seed=0):
  rng = np.random.default_rng(seed)
  x_s = rng.standard_normal((4, 5))
  y_s = np.eye(3)[[0, 1, 2, 1]]
  x_t = rng.standard_normal((30, 5))
  y_t = np.eye(3)[rng.integers(0, 3, 30)]
  return x_s, y_s, x_t, y_t


def _solve(x_s, y_s, tol=1e-13):
  w, _ = bilevel.solve_inner(tf.constant(x_s), tf.constant(y_s),
                             tf.constant(L2REG, tf.float64), tf.zeros((5, 3), tf.float64),
                             tf.constant(tol, tf.float64), tf.constant(100000))
  return w


def test_inner_solver_reaches_the_tolerance_and_the_gradient_is_right():
  x_s, y_s, _, _ = _problem()
  w = _solve(x_s, y_s, tol=1e-10)
  grad = bilevel.inner_grad(w, tf.constant(x_s), tf.constant(y_s), L2REG)
  assert np.max(np.abs(grad.numpy())) <= 1e-10
  with tf.GradientTape() as tape:
    tape.watch(w)
    loss = bilevel.inner_loss(w, tf.constant(x_s), tf.constant(y_s), L2REG)
  np.testing.assert_allclose(tape.gradient(loss, w).numpy(), grad.numpy(), atol=1e-12)


def test_hessian_vector_product_matches_differences_of_gradients():
  x_s, y_s, _, _ = _problem()
  w = tf.constant(np.random.default_rng(1).standard_normal((5, 3)))
  v = tf.constant(np.random.default_rng(2).standard_normal((5, 3)))
  eps = 1e-6
  numeric = (bilevel.inner_grad(w + eps * v, x_s, y_s, L2REG) -
             bilevel.inner_grad(w - eps * v, x_s, y_s, L2REG)) / (2 * eps)
  np.testing.assert_allclose(bilevel.hvp(w, tf.constant(x_s), tf.constant(y_s), L2REG,
                                         v).numpy(), numeric.numpy(), rtol=1e-6, atol=1e-9)


def test_conjugate_gradient_solves_a_spd_system():
  rng = np.random.default_rng(3)
  a = rng.standard_normal((6, 6))
  a = a @ a.T + np.eye(6)
  b = tf.constant(rng.standard_normal(6))
  v = bilevel.conjugate_gradient(lambda u: tf.linalg.matvec(tf.constant(a), u), b, 50, 1e-12)
  np.testing.assert_allclose(a @ v.numpy(), b.numpy(), atol=1e-9)


def test_implicit_gradient_matches_finite_differences():
  x_s, y_s, x_t, y_t = _problem()
  w = _solve(x_s, y_s)
  loss, grad = bilevel.implicit_grad(tf.constant(x_s), tf.constant(y_s), w,
                                     tf.constant(x_t), tf.constant(y_t), L2REG)

  def outer(theta):
    return float(bilevel.outer_loss(_solve(theta, y_s), tf.constant(x_t), tf.constant(y_t)))

  assert np.isclose(float(loss), outer(x_s))
  rng = np.random.default_rng(4)
  eps = 1e-5
  for _ in range(3):
    direction = rng.standard_normal(x_s.shape)
    numeric = (outer(x_s + eps * direction) - outer(x_s - eps * direction)) / (2 * eps)
    assert np.isclose(np.sum(grad.numpy() * direction), numeric, rtol=1e-5, atol=1e-9)
  # And per coordinate on one image.
  for j in range(5):
    bump = np.zeros_like(x_s)
    bump[2, j] = eps
    numeric = (outer(x_s + bump) - outer(x_s - bump)) / (2 * eps)
    assert np.isclose(grad.numpy()[2, j], numeric, rtol=1e-5, atol=1e-9)


def test_run_logreg_lowers_the_outer_loss():
  rng = np.random.default_rng(5)
  classes = np.repeat(np.arange(10), 20)
  images = rng.standard_normal((200, 28, 28, 1)).astype(np.float32) * 0.3
  images[np.arange(200), 2 + 2 * classes, 4:24, 0] += 2.0
  losses = []
  settings = LogregSettings(steps=5, learning_rate=0.05, target_batch=100, seed=1)
  pool = unstandardise(images[..., 0])  # the job's pool is in pixel/255 space
  result = bilevel.run_logreg(
      Job(pool, classes, 1, progress=lambda s, l, a: losses.append(l)), settings,
      log_every=1)
  assert result.images.shape == (10, 28, 28, 1) and result.labels.shape == (10, 10)
  np.testing.assert_array_equal(result.classes, np.arange(10))
  assert losses[-1] < losses[0]
  assert result.info['steps'] == 5
  again = bilevel.run_logreg(Job(pool, classes, 1), settings).images
  np.testing.assert_array_equal(result.images, again)
