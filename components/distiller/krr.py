"""Kernel ridge regression, as KIP and nfr use it: from a support set (K_ss, y_s) to
the predictions for a target batch (K_ts), its loss and accuracy.

    K_reg = K_ss + ridge * trace(K_ss) / n * I        (solved in float64)
    pred  = K_ts K_reg^{-1} y_s
    loss  = 0.5 * mean((pred - y_t)^2)
"""

import tensorflow as tf


def regularised_gram(k_ss: tf.Tensor, ridge: float) -> tf.Tensor:
  """K_ss + ridge * trace(K_ss) / n * I in float64."""
  k64 = tf.cast(k_ss, tf.float64)
  n = tf.shape(k64)[0]
  scale = ridge * tf.linalg.trace(k64) / tf.cast(n, tf.float64)
  return k64 + scale * tf.eye(n, dtype=tf.float64)


def krr_predict(k_ts: tf.Tensor, k_ss: tf.Tensor, y_s: tf.Tensor, ridge: float) -> tf.Tensor:
  """Kernel ridge regression predictions K_ts (K_ss + ridge tr(K_ss)/n I)^{-1} y_s,
  float64."""
  alpha = tf.linalg.solve(regularised_gram(k_ss, ridge), tf.cast(y_s, tf.float64))
  return tf.matmul(tf.cast(k_ts, tf.float64), alpha)


def krr_loss(pred: tf.Tensor, y_t: tf.Tensor) -> tf.Tensor:
  """0.5 * mean((pred - y_t)^2) over all entries."""
  return 0.5 * tf.reduce_mean(tf.square(pred - tf.cast(y_t, pred.dtype)))


def accuracy(pred: tf.Tensor, classes: tf.Tensor) -> tf.Tensor:
  """Share of rows whose argmax is the class."""
  hits = tf.equal(tf.argmax(pred, axis=1), tf.cast(classes, tf.int64))
  return tf.reduce_mean(tf.cast(hits, tf.float64))
