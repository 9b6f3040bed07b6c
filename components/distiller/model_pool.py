"""The online model pool of nfr: `pool_models` networks of the Trainer's architecture
(or, with `pool_architectures`, model j of the (j mod their number)-th), trained on the
current support between distillation steps with the Trainer's loss (MSE on the label
vectors, linear head), random shifts and the architecture's dropout, each
re-initialised after `reset_every` updates. At the start model j is pre-trained for
j * reset_every / pool_models updates, so the pool always holds networks of different
ages; step s uses (and then updates) model s mod pool_models.

Weights and Adam moments live in the NfrState as numpy arrays."""

from typing import Callable, Tuple

import numpy as np
import tensorflow as tf

from tfx_distill.components.distiller import networks
from tfx_distill.components.distiller.settings import NfrSettings
from tfx_distill.components.distiller.nfr_state import NfrState
from tfx_distill.components.distiller.random_streams import INIT, tf_seeds

ADAM_B1, ADAM_B2 = 0.9, 0.999
MODEL_EPS = 1e-7  # Adam epsilon of the networks (Keras's)


def make_model_update(architecture: str, rate: float, max_shift: int) -> Callable:
  """tf.function (params, m, v, t, lr, X, y, seeds (5, 2) int32) -> (params, m, v, loss):
  one Adam step of a network on (X, y) with the Trainer's loss (MSE on the label
  vectors), random shifts (seeds[0]) and dropout `rate` (seeds[1:4])."""

  @tf.function(reduce_retracing=True)
  def model_update(params, m, v, t, lr, x, y, seeds):
    offsets = tf.random.stateless_uniform([tf.shape(x)[0], 2], seeds[0], -max_shift,
                                          max_shift + 1, dtype=tf.int32)
    x = networks.shift_images(x, offsets, max_shift)
    with tf.GradientTape() as tape:
      tape.watch(params)
      logits = networks.forward(architecture, params, x, rate, seeds[1:4])['logits']
      loss = tf.reduce_mean(tf.square(logits - y))
    grads = tape.gradient(loss, params)
    t = tf.cast(t, tf.float32)
    lr_t = lr * tf.sqrt(1.0 - ADAM_B2**t) / (1.0 - ADAM_B1**t)
    return (*adam_moments(params, m, v, grads, lr_t), loss)

  return model_update


def adam_moments(params, m, v, grads, lr_t, sqrt_floor: float = 0.0):
  """Keras's Adam update of every tensor at the bias-corrected rate `lr_t`:
  (params, m, v); sqrt(v) is taken at v + sqrt_floor (unroll.py differentiates
  through it, where sqrt at 0 has an infinite derivative)."""
  new_p, new_m, new_v = [], [], []
  for p, g, mi, vi in zip(params, grads, m, v):
    mi = ADAM_B1 * mi + (1.0 - ADAM_B1) * g
    vi = ADAM_B2 * vi + (1.0 - ADAM_B2) * tf.square(g)
    root = tf.sqrt(vi + sqrt_floor) if sqrt_floor else tf.sqrt(vi)
    new_p.append(p - lr_t * mi / (root + MODEL_EPS))
    new_m.append(mi)
    new_v.append(vi)
  return new_p, new_m, new_v


def pool_update_fn(settings: NfrSettings, architecture: str) -> Callable:
  """The model update of the pool's settings (dropout on or off, shifts)."""
  rate = networks.dropout_of(architecture) if settings.model_dropout else 0.0
  return make_model_update(architecture, rate, settings.model_shift)


def architectures_of(settings: NfrSettings, architecture: str) -> Tuple[str, ...]:
  """The architecture of each pool model: `pool_architectures` cycled over the
  `pool_models` slots, or the Trainer's `architecture` for all."""
  names = settings.pool_architecture_list or (architecture,)
  return tuple(names[j % len(names)] for j in range(settings.pool_models))


def pool_width(architecture: str, settings: NfrSettings) -> int:
  """A pool network's width: its architecture's own times `pool_width_scale`."""
  return max(1, int(round(networks.width_of(architecture) * settings.pool_width_scale)))


def model_slot(step: int, settings: NfrSettings) -> int:
  """The pool model used at a step: round robin."""
  return step % settings.pool_models


def stagger_updates(slot: int, settings: NfrSettings) -> int:
  """Updates model `slot` gets before the first step, so that the pool's ages are
  spread evenly over [0, reset_every)."""
  return (slot * settings.reset_every) // settings.pool_models


class Pool:
  """Resets, staggers and updates the pool models held in an NfrState."""

  def __init__(self, settings: NfrSettings, architecture: str):
    self.settings = settings
    self.architectures = architectures_of(settings, architecture)
    self.update_fns = {name: pool_update_fn(settings, name)
                       for name in set(self.architectures)}

  def fresh(self, state: NfrState, slot: int) -> None:
    """Re-initialises model `slot` (its next generation) and its Adam state."""
    s = self.settings
    generation = int(state.model_generation[slot])
    name = self.architectures[slot]
    params = networks.init_params(name, pool_width(name, s),
                                  (s.seed, INIT, slot, generation))
    state.params[slot] = params
    state.m_params[slot] = [np.zeros_like(p) for p in params]
    state.v_params[slot] = [np.zeros_like(p) for p in params]
    state.model_t[slot] = 0
    state.model_age[slot] = 0

  def train(self, state: NfrState, slot: int, rng: np.random.Generator) -> float:
    """One update of model `slot` on (a batch of) the current support; resets it when
    it reaches `reset_every` updates. Returns the model's loss."""
    s = self.settings
    n = len(state.images)
    idx = (np.sort(rng.choice(n, s.model_batch, replace=False)) if n > s.model_batch
           else np.arange(n))
    seeds = tf_seeds(rng, 5)
    t = int(state.model_t[slot]) + 1
    params, m, v, loss = self.update_fns[self.architectures[slot]](
        [tf.constant(p) for p in state.params[slot]],
        [tf.constant(p) for p in state.m_params[slot]],
        [tf.constant(p) for p in state.v_params[slot]],
        tf.constant(t, tf.int32), tf.constant(s.model_lr, tf.float32),
        tf.constant(state.images[idx]), tf.constant(state.labels[idx]), seeds)
    state.params[slot] = [p.numpy() for p in params]
    state.m_params[slot] = [p.numpy() for p in m]
    state.v_params[slot] = [p.numpy() for p in v]
    state.model_t[slot] = t
    state.model_age[slot] += 1
    if state.model_age[slot] >= s.reset_every:
      state.model_generation[slot] += 1
      self.fresh(state, slot)
    return float(loss)
