"""nfr's --objective unroll: its Adam step is Keras's, its gradient through the
unrolled training matches finite differences, and a run learns the support."""

import dataclasses

import keras
import numpy as np
import tensorflow as tf

from tfx_distill.components.distiller import networks, unroll
from tests.distiller.test_nfr import TINY, run


def test_adam_step_is_keras_adams_update():
  rng = np.random.default_rng(0)
  start = rng.normal(size=(3, 4)).astype(np.float32)
  grads = [rng.normal(size=(3, 4)).astype(np.float32) for _ in range(3)]
  variable = keras.Variable(start)
  optimizer = keras.optimizers.Adam(learning_rate=0.01)
  params, m, v = [tf.constant(start)], [tf.zeros((3, 4))], [tf.zeros((3, 4))]
  for t, g in enumerate(grads, start=1):
    optimizer.apply_gradients([(tf.constant(g), variable)])
    params, m, v = unroll.adam_step(params, m, v, [tf.constant(g)], t, 0.01)
  np.testing.assert_allclose(params[0].numpy(), variable.numpy(), rtol=1e-5, atol=1e-6)


def test_gradient_through_the_unrolled_steps_matches_finite_differences():
  rng = np.random.default_rng(1)
  params = [tf.constant(p, tf.float64) for p in networks.init_params('mlp', 8, (0, 0))]
  x_s = tf.constant(rng.uniform(0, 1, (6, 28, 28, 1)), tf.float64)
  y_s = tf.constant(rng.normal(size=(6, 10)) * 0.3, tf.float64)
  x_t = tf.constant(rng.uniform(0, 1, (5, 28, 28, 1)), tf.float64)
  y_t = tf.constant(np.eye(10)[rng.integers(0, 10, 5)] - 0.1, tf.float64)
  seed = tf.constant([3, 4], tf.int32)

  def loss(x, y):  # 3 steps at batch 4 of 6 (sampled batches), shifts of 1 pixel
    return unroll.unrolled_loss('mlp', params, x, y, x_t, y_t, seed, 3, 4, 0.05, 10, 1)[0]

  with tf.GradientTape() as tape:
    tape.watch([x_s, y_s])
    value = loss(x_s, y_s)
  g_x, g_y = tape.gradient(value, [x_s, y_s])
  assert float(tf.norm(g_x)) > 0 and float(tf.norm(g_y)) > 0
  d_x = tf.constant(rng.normal(size=x_s.shape), tf.float64)
  d_y = tf.constant(rng.normal(size=y_s.shape), tf.float64)
  eps = 1e-6
  numeric = (loss(x_s + eps * d_x, y_s + eps * d_y)
             - loss(x_s - eps * d_x, y_s - eps * d_y)) / (2 * eps)
  analytic = tf.reduce_sum(g_x * d_x) + tf.reduce_sum(g_y * d_y)
  np.testing.assert_allclose(float(analytic), float(numeric), rtol=1e-4)


def test_an_unroll_run_moves_the_support_and_leaves_the_pool_untrained():
  settings = dataclasses.replace(TINY, objective='unroll', unroll_steps=2, eval_batch=5,
                                 keep_best='none', steps=3)
  plain = run(dataclasses.replace(TINY, keep_best='none', steps=0))
  result = run(settings)
  assert np.all(np.isfinite(result.images)) and np.all(np.isfinite(result.labels))
  assert not np.allclose(result.images, plain.images)  # the same herded start, moved
  assert not np.allclose(result.labels, plain.labels)
  assert result.info['steps'] == 3
