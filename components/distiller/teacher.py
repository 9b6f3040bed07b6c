"""Teacher labels for nfr's initial support (`--label-init teacher`): a network of the
Trainer's architecture is trained on the target images (never held-out ones) with the
Trainer's loss (MSE on the label vectors, linear head), its dropout and shifts, by Adam;
its logits on the initial support images become the support's initial label vectors
(soft labels that say how much each image looks like the other classes), which nfr
then keeps learning as it learns plain ones."""

import numpy as np
import tensorflow as tf

from tfx_distill.components.distiller import model_pool, networks
from tfx_distill.components.distiller.batches import class_balanced_batch
from tfx_distill.components.distiller.random_streams import TEACHER, stream, tf_seeds
from tfx_distill.contracts.example_format import plain_label_vectors

TEACHER_BATCH = 128  # target images per teacher step
TEACHER_LR = 1e-3  # Adam, the Trainer's full-data rate
TEACHER_SHIFT = 2  # pixels, as the Trainer's recipes shift


def train_teacher(architecture: str, images01: np.ndarray, classes: np.ndarray,
                  candidates: np.ndarray, steps: int, seed: int) -> list:
  """The teacher's weights (numpy) after `steps` Adam steps on class-balanced batches
  of the `candidates` (pool indices) of `images01` (N, 28, 28, 1) pixel/255."""
  update = model_pool.make_model_update(architecture, networks.dropout_of(architecture),
                                        TEACHER_SHIFT)
  params = networks.init_params(architecture, networks.width_of(architecture),
                                (seed, TEACHER, 0))
  params = [tf.constant(p) for p in params]
  m = [tf.zeros_like(p) for p in params]
  v = [tf.zeros_like(p) for p in params]
  for step in range(steps):
    rng = stream(seed, TEACHER, 1, step)
    batch = class_balanced_batch(classes, TEACHER_BATCH, rng, candidates)
    params, m, v, _ = update(params, m, v, tf.constant(step + 1, tf.int32),
                             tf.constant(TEACHER_LR, tf.float32),
                             tf.constant(images01[batch]),
                             tf.constant(plain_label_vectors(classes[batch])),
                             tf_seeds(rng, 5))
  return [p.numpy() for p in params]


def teacher_labels(architecture: str, params: list, images01: np.ndarray) -> np.ndarray:
  """The teacher's logits (n, 10) float32 on images (n, 28, 28, 1), dropout off."""
  logits = networks.forward(architecture, [tf.constant(p) for p in params],
                            tf.constant(images01, tf.float32))['logits']
  return logits.numpy().astype(np.float32)
