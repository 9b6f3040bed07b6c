"""Kernels: the closed-form FC ReLU NNGP/NTK against direct computations on wide
networks, and the ConvNet random features' shapes, scaling and seeding."""

import numpy as np
import tensorflow as tf

from tfx_distill.components.distiller import kernels
from tests.distiller import kernel_reference

W_VAR, B_VAR = 2.0, 0.01


def _inputs():
  rng = np.random.default_rng(0)
  return rng.standard_normal((3, 5))


def test_fc_nngp_depth1_matches_monte_carlo_wide_layer():
  x = _inputs()
  width = 400_000
  rng = np.random.default_rng(1)
  weights = rng.standard_normal((5, width))
  bias = rng.standard_normal(width)
  hidden = np.maximum(np.sqrt(W_VAR / 5) * x @ weights + np.sqrt(B_VAR) * bias, 0)
  monte_carlo = W_VAR * hidden @ hidden.T / width + B_VAR
  closed = kernel_reference.fc_nngp(tf.constant(x), tf.constant(x), depth=1).numpy()
  np.testing.assert_allclose(closed, monte_carlo, rtol=0.02)


def _empirical_ntk(x, depth, width, seed):
  """sum over all parameters of df(x)/dp df(y)/dp for one wide ReLU network in the NTK
  parameterisation (weights N(0, 1), scaled by sqrt(W_VAR / fan_in))."""
  rng = np.random.default_rng(seed)
  dims = [x.shape[1]] + [width] * depth + [1]
  params = []
  for fan_in, fan_out in zip(dims[:-1], dims[1:]):
    params.append(tf.Variable(rng.standard_normal((fan_in, fan_out))))
    params.append(tf.Variable(rng.standard_normal(fan_out)))
  grads = []
  for row in x:
    with tf.GradientTape() as tape:
      h = tf.constant(row[None, :])
      for layer in range(depth + 1):
        w, b = params[2 * layer], params[2 * layer + 1]
        h = np.sqrt(W_VAR / w.shape[0]) * h @ w + np.sqrt(B_VAR) * b
        if layer < depth:
          h = tf.nn.relu(h)
      out = tf.reduce_sum(h)
    grads.append(np.concatenate([g.numpy().ravel() for g in tape.gradient(out, params)]))
  grads = np.stack(grads)
  return grads @ grads.T


def test_fc_ntk_matches_empirical_ntk_of_wide_networks():
  x = _inputs()
  for depth, width in ((1, 100_000), (2, 3000)):
    closed = kernels.fc_ntk(tf.constant(x), tf.constant(x), depth=depth).numpy()
    empirical = np.mean([_empirical_ntk(x, depth, width, seed) for seed in range(2)], axis=0)
    np.testing.assert_allclose(closed, empirical, rtol=0.05, err_msg=f'depth {depth}')


def test_fc_kernels_closed_form_on_orthogonal_inputs():
  # Orthogonal unit-variance inputs, no bias: theta = pi/2, so the NNGP of one hidden
  # layer is W_VAR * W_VAR * sqrt(1 * 1) / (2 pi) and its diagonal W_VAR * W_VAR / 2.
  x = tf.constant(np.sqrt(2.0) * np.eye(2))
  nngp, ntk = kernels.fc_kernels(x, x, depth=1, weight_var=W_VAR, bias_var=0.0)
  expected_off = W_VAR * W_VAR / (2 * np.pi)
  np.testing.assert_allclose(nngp.numpy(), [[2.0, expected_off], [expected_off, 2.0]],
                             rtol=1e-5)
  # NTK = Sigma^0 * W_VAR * (pi - theta)/(2 pi) + Sigma^1: off-diagonal Sigma^0 is 0.
  # Diagonal: Theta^0 = 2, dSigma^1 = W_VAR / 2 = 1, Sigma^1 = 2: 2 * 1 + 2.
  np.testing.assert_allclose(ntk.numpy(), [[4.0, expected_off], [expected_off, 4.0]],
                             rtol=1e-5)


def test_conv_features_shape_scale_and_seeding():
  images = tf.constant(np.random.default_rng(0).standard_normal((4, 28, 28, 1)),
                       tf.float32)
  params = kernels.conv_network_params((0, 0, 0), width=8)
  features = kernels.conv_features(images, params)
  assert features.shape == (4, 8 * 3 * 3)
  again = kernels.conv_features(images, kernels.conv_network_params((0, 0, 0), width=8))
  np.testing.assert_array_equal(features.numpy(), again.numpy())
  other = kernels.conv_features(images, kernels.conv_network_params((0, 0, 1), width=8))
  assert not np.allclose(features.numpy(), other.numpy())
  weights, bias = params[1]
  assert weights.shape == (3, 3, 8, 8)
  assert abs(np.std(weights.numpy()) - np.sqrt(2.0 / 72)) < 0.03
  bias = kernels.conv_network_params((5,), width=20000, depth=1)[0][1].numpy()
  assert abs(np.var(bias) - 0.01) < 0.001


def test_conv_rf_kernel_is_the_average_feature_gram():
  rng = np.random.default_rng(0)
  a = tf.constant(rng.standard_normal((3, 28, 28, 1)), tf.float32)
  b = tf.constant(rng.standard_normal((2, 28, 28, 1)), tf.float32)
  nets = kernels.conv_networks(seed=3, step=0, count=2, width=8)
  k = kernel_reference.conv_rf_kernel(a, b, nets).numpy()
  grams = [kernels.conv_features(a, p).numpy() @ kernels.conv_features(b, p).numpy().T
           for p in nets]
  np.testing.assert_allclose(k, np.mean(grams, axis=0), rtol=1e-5)
  k_aa = kernel_reference.conv_rf_kernel(a, a, nets).numpy()
  np.testing.assert_allclose(k_aa, k_aa.T, rtol=1e-5)
  assert np.linalg.eigvalsh(k_aa.astype(np.float64)).min() > -1e-5
