"""The feature-regression loss of nfr (Zhou et al. 2022, "Dataset Distillation using
Neural Feature Regression"): kernel ridge regression on the features of one network.

Given network features F_s of the support (X_s, y_s) and F_t of a target batch
(X_t, y_t), each feature block scaled by 1/sqrt(width) (`networks.features`):

    K_ss = F_s F_s^T,  K_ts = F_t F_s^T                  (float64)
    pred = K_ts (K_ss + ridge * tr(K_ss)/n I)^-1 y_s       (`krr.krr_predict`)
    loss = 0.5 mean((pred - y_t)^2)                      (`krr.krr_loss`)

and its gradient with respect to the support's images and labels.
"""

from typing import Callable

import numpy as np
import tensorflow as tf

from tfx_distill.components.distiller import networks
from tfx_distill.components.distiller.krr import accuracy, krr_loss, krr_predict


def gram(f_a: tf.Tensor, f_b: tf.Tensor) -> tf.Tensor:
  """K = F_a F_b^T in float64."""
  return tf.matmul(tf.cast(f_a, tf.float64), tf.cast(f_b, tf.float64), transpose_b=True)


def feature_krr(f_s: tf.Tensor, y_s: tf.Tensor, f_t: tf.Tensor, ridge: float) -> tf.Tensor:
  """KRR predictions (T, 10) float64 for target features from support features."""
  return krr_predict(gram(f_t, f_s), gram(f_s, f_s), y_s, ridge)


def make_support_grad(architecture: str, kind: str, ridge: float,
                      max_shift: int = 0) -> Callable:
  """tf.function (params, X_s, y_s, X_t, y_t, seed=None) -> (loss, target accuracy,
  dL/dX_s, dL/dy_s): the feature-regression loss of the support under one network.
  With `max_shift` > 0 each support image is first moved by its own random shift of
  up to max_shift pixels (drawn from `seed`, (2,) int32), inside the gradient, as DSA
  (Zhao & Bilen 2021) augments the synthetic set: the support is made to train a
  network that sees it shifted, as the Trainer's small-set recipe does."""

  @tf.function(reduce_retracing=True)
  def support_grad(params, x_s, y_s, x_t, y_t, seed=None):
    f_t = networks.features(architecture, kind, params, x_t)
    with tf.GradientTape() as tape:
      tape.watch([x_s, y_s])
      x_in = x_s
      if max_shift > 0:
        offsets = tf.random.stateless_uniform([tf.shape(x_s)[0], 2], seed, -max_shift,
                                              max_shift + 1, dtype=tf.int32)
        x_in = networks.shift_images(x_s, offsets, max_shift)
      f_s = networks.features(architecture, kind, params, x_in)
      pred = feature_krr(f_s, y_s, f_t, ridge)
      loss = krr_loss(pred, y_t)
    g_x, g_y = tape.gradient(loss, [x_s, y_s])
    acc = accuracy(pred, tf.argmax(y_t, 1))
    return loss, acc, g_x, g_y

  return support_grad


def make_feature_fn(architecture: str, kind: str) -> Callable:
  """tf.function (params, images) -> feature rows (no gradient)."""

  @tf.function(reduce_retracing=True)
  def feature_fn(params, images):
    return networks.features(architecture, kind, params, images)

  return feature_fn


def batched(fn: Callable, params, images: np.ndarray, batch: int = 1000) -> tf.Tensor:
  """fn(params, images) over many images, `batch` at a time, rows concatenated."""
  return tf.concat([fn(params, tf.constant(images[i:i + batch]))
                    for i in range(0, len(images), batch)], axis=0)
