"""Kernels for KIP: a ConvNet random-feature kernel and the closed-form FC ReLU NTK/NNGP.

ConvNet random features (as RFAD, Loo et al. 2022): a randomly initialised ConvNet
`phi` of 3 x [3x3 conv (width C), ReLU, 2x2 average pool] with He-normal weights
(variance 2 / fan_in) and biases of variance 0.01 maps an image to its last activations,
flattened and scaled by 1/sqrt(D) (D their size). For M independent networks

    K(x, y) = 1/M * sum_m <phi_m(x), phi_m(y)>,

a Monte-Carlo estimate of the ConvNet's NNGP kernel (up to the readout variance). Weights
are drawn with numpy from a seed, so the same (seed, step) always gives the same
networks; they are passed into TensorFlow as plain tensors.

Fully-connected ReLU network with L hidden layers, weight variance s_w^2, bias variance
s_b^2, in the NTK parameterisation. With the arc-cosine expectations for
(u, v) ~ N(0, [[a, c], [c, b]]), theta = arccos(c / sqrt(ab)):

    E[relu(u) relu(v)]   = sqrt(ab) / (2 pi) * (sin theta + (pi - theta) cos theta)
    E[relu'(u) relu'(v)] = (pi - theta) / (2 pi)

the recursion is

    Sigma^0(x, y) = s_w^2 <x, y> / d + s_b^2,           Theta^0 = Sigma^0
    Sigma^h       = s_w^2 E[relu relu] + s_b^2            (on Sigma^{h-1})
    dSigma^h      = s_w^2 E[relu' relu']
    Theta^h       = Theta^{h-1} dSigma^h + Sigma^h

and NNGP = Sigma^L, NTK = Theta^L (the kernels of the scalar output after a linear
readout of the L-th hidden layer).
"""

import math
from typing import List, Sequence, Tuple

import numpy as np
import tensorflow as tf

ConvParams = List[Tuple[tf.Tensor, tf.Tensor]]  # one network: [(kernel, bias)] per layer


def conv_network_params(seed: Sequence[int], in_channels: int = 1, width: int = 128,
                        depth: int = 3, bias_var: float = 0.01) -> ConvParams:
  """Weights of one random ConvNet: He-normal 3x3 kernels, biases of variance
  `bias_var`, drawn from numpy's generator seeded with `seed` (a tuple of ints)."""
  rng = np.random.default_rng(list(seed))
  params = []
  channels = in_channels
  for _ in range(depth):
    fan_in = 9 * channels
    kernel = rng.standard_normal((3, 3, channels, width), dtype=np.float32)
    kernel *= np.float32(math.sqrt(2.0 / fan_in))
    bias = rng.standard_normal((width,), dtype=np.float32) * np.float32(math.sqrt(bias_var))
    params.append((tf.constant(kernel), tf.constant(bias)))
    channels = width
  return params


def conv_features(images: tf.Tensor, params: ConvParams) -> tf.Tensor:
  """phi(x): images (N, H, W, C) -> (N, D) features of one random ConvNet, each layer
  conv 3x3 SAME + bias, ReLU, 2x2 average pool (VALID); features scaled by 1/sqrt(D)."""
  x = images
  for kernel, bias in params:
    x = tf.nn.relu(tf.nn.conv2d(x, kernel, strides=1, padding='SAME') + bias)
    x = tf.nn.avg_pool2d(x, ksize=2, strides=2, padding='VALID')
  flat = tf.reshape(x, [tf.shape(x)[0], -1])
  return flat / tf.sqrt(tf.cast(tf.shape(flat)[1], flat.dtype))


def feature_kernel(features_a: Sequence[tf.Tensor],
                   features_b: Sequence[tf.Tensor]) -> tf.Tensor:
  """K = 1/M sum_m F_a^m (F_b^m)^T: the random-feature kernel averaged over M networks."""
  grams = [tf.matmul(fa, fb, transpose_b=True) for fa, fb in zip(features_a, features_b)]
  return tf.add_n(grams) / float(len(grams))


def conv_networks(seed: int, step: int, count: int, width: int = 128) -> List[ConvParams]:
  """`count` random ConvNets for KIP step `step`, reproducible from (seed, step)."""
  return [conv_network_params((seed, step, m), width=width) for m in range(count)]


def _relu_expectations(cov: tf.Tensor, var_a: tf.Tensor,
                       var_b: tf.Tensor) -> Tuple[tf.Tensor, tf.Tensor]:
  """(E[relu(u) relu(v)], E[relu'(u) relu'(v)]) for (u, v) centred Gaussian with
  variances var_a (rows), var_b (columns) and covariance cov."""
  norm = tf.sqrt(var_a[:, None] * var_b[None, :])
  cos = tf.clip_by_value(cov / norm, -1.0, 1.0)
  # arccos has an infinite derivative at +-1: keep the angle's argument just inside
  # (an error of about sqrt(2 eps) in theta on the diagonal).
  eps = 1e-7 if cos.dtype == tf.float32 else 1e-12
  theta = tf.acos(tf.clip_by_value(cos, -1.0 + eps, 1.0 - eps))
  sin = tf.sin(theta)  # not sqrt(1 - cos^2): its derivative is infinite at cos = 1
  e_relu = norm / (2 * math.pi) * (sin + (math.pi - theta) * cos)
  e_step = (math.pi - theta) / (2 * math.pi)
  return e_relu, e_step


def fc_kernels(x_a: tf.Tensor, x_b: tf.Tensor, depth: int = 1, weight_var: float = 2.0,
               bias_var: float = 0.01) -> Tuple[tf.Tensor, tf.Tensor]:
  """(NNGP, NTK) of a fully-connected ReLU network with `depth` hidden layers between
  x_a (N, ...) and x_b (M, ...), flattened; see the module docstring for the recursion."""
  a = tf.reshape(x_a, [tf.shape(x_a)[0], -1])
  b = tf.reshape(x_b, [tf.shape(x_b)[0], -1])
  dim = tf.cast(tf.shape(a)[1], a.dtype)
  cov = weight_var * tf.matmul(a, b, transpose_b=True) / dim + bias_var
  var_a = weight_var * tf.reduce_sum(a * a, axis=1) / dim + bias_var
  var_b = weight_var * tf.reduce_sum(b * b, axis=1) / dim + bias_var
  ntk = cov
  for _ in range(depth):
    e_relu, e_step = _relu_expectations(cov, var_a, var_b)
    # The diagonal terms: theta = 0, E[relu(u)^2] = var / 2.
    var_a = weight_var * var_a / 2 + bias_var
    var_b = weight_var * var_b / 2 + bias_var
    cov = weight_var * e_relu + bias_var
    ntk = ntk * weight_var * e_step + cov
  return cov, ntk


def fc_ntk(x_a: tf.Tensor, x_b: tf.Tensor, depth: int = 1) -> tf.Tensor:
  """The closed-form FC ReLU NTK (see fc_kernels)."""
  return fc_kernels(x_a, x_b, depth)[1]
