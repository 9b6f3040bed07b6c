"""nfr's `--objective unroll`: the support is made for the short schedule it will get.

Instead of kernel ridge regression on a pool network's features, every step trains a
fresh network (a new seeded initialisation each step) for `unroll_steps` steps of the
small-set recipe on the support, exactly as the Trainer starts a small set: Adam
(Keras's, epsilon 1e-7), batches of min(n, batch) support images, each moved by a random
shift of up to `max_shift` pixels, the learning rate of the recipe's warm-up-then-cosine
schedule over `schedule_steps` (keep_best.small_set_rate), MSE on the label vectors.
The loss is the trained network's MSE on a target batch,

    L(X_s, y_s) = mean((f(X_t; theta_K(X_s, y_s)) - y_t)^2),

and its gradient flows back through all K Adam steps (back-propagation through
training, as in Maclaurin et al. 2015 and Wang et al. 2018's dataset distillation).
"""

import math
from typing import Callable

import tensorflow as tf

from tfx_distill.components.distiller import networks
from tfx_distill.components.distiller.keep_best import small_set_rate
from tfx_distill.components.distiller.model_pool import ADAM_B1, ADAM_B2, adam_moments

# Inside the unrolled graph sqrt(v) is taken at v + SQRT_FLOOR: where a weight's gradient
# is exactly 0 (a dead ReLU) d sqrt(v)/dv would be infinite and the support's gradient NaN.
SQRT_FLOOR = 1e-30


def adam_step(params, m, v, grads, t: int, lr: float):
  """One differentiable Adam step (Keras's update, bias-corrected rate):
  returns (params, m, v)."""
  lr_t = lr * math.sqrt(1.0 - ADAM_B2**t) / (1.0 - ADAM_B1**t)
  return adam_moments(params, m, v, grads, lr_t, SQRT_FLOOR)


def unrolled_loss(architecture: str, params, x_s, y_s, x_t, y_t, seed, unroll_steps: int,
                  batch: int, peak_lr: float, schedule_steps: int, max_shift: int):
  """(target loss, target logits) after `unroll_steps` small-set steps from `params`
  on the support (differentiable in x_s and y_s). seed: (2,) int32, draws the batches
  and the shifts of every step."""
  n = x_s.shape[0]
  b = min(n, batch)
  m = [tf.zeros_like(p) for p in params]
  v = [tf.zeros_like(p) for p in params]
  for k in range(unroll_steps):
    step_seed = tf.random.experimental.stateless_fold_in(seed, k)
    if b < n:
      order = tf.argsort(tf.random.stateless_uniform([n], step_seed))
      x_b, y_b = tf.gather(x_s, order[:b]), tf.gather(y_s, order[:b])
    else:
      x_b, y_b = x_s, y_s
    if max_shift > 0:
      offsets = tf.random.stateless_uniform(
          [b, 2], tf.random.experimental.stateless_fold_in(step_seed, 1), -max_shift,
          max_shift + 1, dtype=tf.int32)
      x_b = networks.shift_images(x_b, offsets, max_shift)
    with tf.GradientTape() as inner:
      inner.watch(params)
      loss = tf.reduce_mean(tf.square(networks.forward(architecture, params, x_b)['logits']
                                      - y_b))
    grads = inner.gradient(loss, params)
    params, m, v = adam_step(params, m, v, grads, k + 1,
                             small_set_rate(k, schedule_steps, peak_lr))
  logits = networks.forward(architecture, params, x_t)['logits']
  return tf.reduce_mean(tf.square(logits - y_t)), logits


def make_unroll_grad(architecture: str, unroll_steps: int, batch: int, peak_lr: float,
                     schedule_steps: int, max_shift: int) -> Callable:
  """tf.function (params0, X_s, y_s, X_t, y_t, seed) -> (loss, target accuracy,
  dL/dX_s, dL/dy_s), nfr's support-gradient signature: params0 is the fresh network
  the unrolled training starts from, seed (2,) int32 its batches' and shifts'."""

  @tf.function(reduce_retracing=True)
  def unroll_grad(params, x_s, y_s, x_t, y_t, seed):
    with tf.GradientTape() as tape:
      tape.watch([x_s, y_s])
      loss, logits = unrolled_loss(architecture, params, x_s, y_s, x_t, y_t, seed,
                                   unroll_steps, batch, peak_lr, schedule_steps,
                                   max_shift)
    g_x, g_y = [tf.convert_to_tensor(g) for g in tape.gradient(loss, [x_s, y_s])]
    acc = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), tf.argmax(y_t, 1)),
                                 tf.float32))
    return loss, acc, g_x, g_y

  return unroll_grad
