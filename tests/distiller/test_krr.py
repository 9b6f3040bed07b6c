"""Kernel ridge regression (krr.py) against closed forms."""

import numpy as np
import tensorflow as tf

from tfx_distill.components.distiller import kernels
from tfx_distill.components.distiller.krr import accuracy, krr_loss, krr_predict
from tests.distiller import kernel_reference


def test_krr_with_linear_kernel_is_ridge_regression():
  rng = np.random.default_rng(0)
  x_s, x_t = rng.standard_normal((6, 4)), rng.standard_normal((5, 4))
  y_s = rng.standard_normal((6, 3))
  ridge = 0.3
  k_ss, k_ts = x_s @ x_s.T, x_t @ x_s.T
  pred = krr_predict(tf.constant(k_ts), tf.constant(k_ss), tf.constant(y_s), ridge)
  lam = ridge * np.trace(k_ss) / 6
  # Primal ridge: w = (X^T X + lam I)^{-1} X^T y.
  w = np.linalg.solve(x_s.T @ x_s + lam * np.eye(4), x_s.T @ y_s)
  np.testing.assert_allclose(pred.numpy(), x_t @ w, rtol=1e-9, atol=1e-12)


def test_krr_with_tiny_ridge_is_min_norm_least_squares():
  # Fewer support points than dimensions: KRR interpolates with the min-norm solution.
  rng = np.random.default_rng(1)
  x_s, x_t = rng.standard_normal((3, 6)), rng.standard_normal((4, 6))
  y_s = rng.standard_normal((3, 2))
  pred = krr_predict(tf.constant(x_t @ x_s.T), tf.constant(x_s @ x_s.T),
                     tf.constant(y_s), 1e-12)
  np.testing.assert_allclose(pred.numpy(), x_t @ np.linalg.pinv(x_s) @ y_s, rtol=1e-7,
                             atol=1e-9)


def test_loss_is_zero_when_targets_are_the_support():
  images = tf.constant(np.random.default_rng(2).standard_normal((5, 28, 28, 1)), tf.float32)
  labels = tf.constant(np.eye(10)[:5] - 0.1)
  nets = kernels.conv_networks(0, 0, 1, width=16)
  k_ss = kernel_reference.conv_rf_kernel(images, images, nets)
  loss = krr_loss(krr_predict(k_ss, k_ss, labels, 1e-9), labels)
  assert float(loss) < 1e-8
  assert float(accuracy(krr_predict(k_ss, k_ss, labels, 1e-9), np.arange(5))) == 1
