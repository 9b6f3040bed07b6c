"""Adam on the support set (adam.py) and the model pool's Adam (model_pool.py), against
Keras's Adam.

The two differ from Keras in one documented way, and agree exactly otherwise:

- Keras (and the pool, like the Trainer's optimiser) puts epsilon on the *uncorrected*
  second moment: p -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps), eps 1e-7
  ("epsilon hat" of Kingma and Ba).
- adam.py follows Algorithm 1 of the paper: p -= lr m_hat / (sqrt(v_hat) + eps) with
  m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t), eps 1e-8. Multiplying through by
  sqrt(1 - b2^t), this is Keras's step with epsilon hat = eps sqrt(1 - b2^t) at step t.
"""

import keras
import numpy as np
import tensorflow as tf

from tfx_distill.components.distiller import adam, model_pool, networks
from tfx_distill.components.distiller.adam import adam_update
from tfx_distill.contracts.example_format import plain_label_vectors


def test_first_adam_step_moves_by_learning_rate_against_the_gradient():
  param = np.array([1.0, 2.0, 3.0], np.float32)
  grad = np.array([0.5, -2.0, 1e-3], np.float32)
  new, m, v = adam_update(param, grad, np.zeros(3, np.float32), np.zeros(3, np.float32),
                          1, 0.01)
  np.testing.assert_allclose(new, param - 0.01 * np.sign(grad), rtol=1e-5)
  np.testing.assert_allclose(m, 0.1 * grad, rtol=1e-6)
  np.testing.assert_allclose(v, 0.001 * grad * grad, rtol=1e-5)


def _gradients(steps, size, seed=0):
  """Gradients whose magnitudes span 1e-10 to 1 (log-uniform), random signs: where
  |g| is below about 1e-7 epsilon decides the step, above it the moments do."""
  rng = np.random.default_rng(seed)
  magnitude = 10.0 ** rng.uniform(-10, 0, (steps, size))
  return (magnitude * rng.choice([-1.0, 1.0], (steps, size))).astype(np.float32)


def test_support_adam_is_keras_adam_with_epsilon_hat_of_the_step():
  """adam_update over 6 steps = Keras's Adam (same lr and betas) with epsilon set to
  ADAM_EPS sqrt(1 - b2^t) before step t; Keras with epsilon ADAM_EPS itself does not
  agree where gradients are tiny. Mutations caught: no bias correction of v
  (v_hat = v); epsilon added to sqrt(v) instead of sqrt(v_hat)."""
  lr, b2 = 0.01, adam.ADAM_BETA2
  grads = _gradients(6, 400)
  param = np.random.default_rng(1).normal(size=400).astype(np.float32)
  m, v = np.zeros_like(param), np.zeros_like(param)
  converted, naive = tf.Variable(param), tf.Variable(param)
  keras_converted = keras.optimizers.Adam(lr, beta_1=adam.ADAM_BETA1, beta_2=b2)
  keras_naive = keras.optimizers.Adam(lr, beta_1=adam.ADAM_BETA1, beta_2=b2,
                                      epsilon=adam.ADAM_EPS)
  for t, grad in enumerate(grads, start=1):
    param, m, v = adam_update(param, grad, m, v, t, lr)
    keras_converted.epsilon = adam.ADAM_EPS * np.sqrt(1.0 - b2**t)  # read at each step
    keras_converted.apply_gradients([(tf.constant(grad), converted)])
    keras_naive.apply_gradients([(tf.constant(grad), naive)])
    np.testing.assert_allclose(param, converted.numpy(), rtol=0, atol=1e-6,
                               err_msg=f'step {t}')
  # Not vacuous: the steps moved some parameters by several lr, and the constant
  # epsilon moves the tiny-gradient entries differently.
  start = np.random.default_rng(1).normal(size=400)
  assert np.abs(param - start).max() > 2 * lr
  assert np.abs(naive.numpy() - param).max() > 1e-3


def test_pool_adam_is_keras_adam():
  """5 steps of the pool's network update (model_pool.make_model_update, no dropout,
  no shifts) = Keras's Adam with its defaults (the Trainer's optimiser) on the same
  loss, parameter by parameter; the pool's betas and epsilon are Keras's defaults.
  Some gradients are below 1e-6, where epsilon decides the step. Mutations caught:
  bias corrections swapped (sqrt(1 - b1^t) / (1 - b2^t)); MODEL_EPS 1e-8."""
  architecture, lr = 'kip_convnet', 0.01
  rng = np.random.default_rng(0)
  x = tf.constant(rng.uniform(0, 1, (10, 28, 28, 1)).astype(np.float32))
  y = tf.constant(plain_label_vectors(np.arange(10)))
  start = networks.init_params(architecture, 4, (0,))
  optimizer = keras.optimizers.Adam(learning_rate=lr)
  assert (optimizer.beta_1, optimizer.beta_2, optimizer.epsilon) == (
      model_pool.ADAM_B1, model_pool.ADAM_B2, model_pool.MODEL_EPS)
  update = model_pool.make_model_update(architecture, 0.0, 0)
  params = [tf.constant(p) for p in start]
  m = [tf.zeros_like(p) for p in params]
  v = [tf.zeros_like(p) for p in params]
  variables = [tf.Variable(p) for p in start]
  smallest = np.inf
  for t in range(1, 6):
    params, m, v, loss = update(params, m, v, tf.constant(t), tf.constant(lr), x, y,
                                tf.zeros((5, 2), tf.int32))
    with tf.GradientTape() as tape:
      logits = networks.forward(architecture, variables, x)['logits']
      keras_loss = tf.reduce_mean(tf.square(logits - y))
    grads = tape.gradient(keras_loss, variables)
    optimizer.apply_gradients(zip(grads, variables))
    np.testing.assert_allclose(float(loss), float(keras_loss), rtol=1e-6)
    for k, (ours, theirs) in enumerate(zip(params, variables)):
      np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=0, atol=1e-6,
                                 err_msg=f'step {t}, parameter {k}')
    smallest = min(smallest, min(np.abs(g.numpy()[g.numpy() != 0]).min() for g in grads))
  assert smallest < 1e-6
  assert max(np.abs(p.numpy() - s).max() for p, s in zip(params, start)) > 3 * lr
