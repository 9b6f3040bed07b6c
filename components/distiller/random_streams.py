"""The nfr Distiller's random streams: every draw comes from numpy's
default_rng([seed, purpose, ...]) (or from TF stateless ops seeded with integers drawn
from it), each purpose its own stream, so that no two draws share one and a resumed run
draws exactly what an uninterrupted one would."""

import numpy as np
import tensorflow as tf

# Purposes mixed into the streams (values fixed: they decide the distilled bytes).
INIT, STEP, MODEL, HOLDOUT, EVAL, SUPPORT0, STAGGER, TEACHER, UNROLL = range(9)


def stream(seed: int, purpose: int, *keys: int) -> np.random.Generator:
  """The generator of one purpose (and step, model, ...) of a run seeded with `seed`."""
  return np.random.default_rng([seed, purpose, *keys])


def tf_seeds(rng: np.random.Generator, count: int) -> tf.Tensor:
  """(count, 2) int32 seeds for TF stateless ops, drawn from `rng`."""
  return tf.constant(rng.integers(0, 2**31 - 1, size=(count, 2)), tf.int32)
