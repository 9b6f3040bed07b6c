"""KIP (Kernel Inducing Points, Nguyen et al. 2021) in plain TensorFlow.

A support set (X_s, y_s) of n images is learned so that kernel ridge regression (KRR)
from it predicts a target batch (X_t, y_t) of real images well:

    K_reg = K_ss + ridge * trace(K_ss) / n * I        (solved in float64)
    pred  = K_ts K_reg^{-1} y_s
    loss  = 0.5 * mean((pred - y_t)^2)

Images live in the standardised space of the published KIP sets; labels are regression
targets (one-hot minus 1/10, learned if `learn_labels`). Each step draws a class-balanced
target batch from the pool and (for the ConvNet random-feature kernel) fresh random
networks, both from (seed, step) only, and updates the support with Adam (in float32
numpy, so its state is plain arrays for checkpoints); so a run is
bit-identical for the same settings on CPU, and resuming from a checkpoint gives the same
result as an uninterrupted run (unless the wall-time budget stops it).
"""

import dataclasses
import time
from typing import Callable, Dict, List, Tuple

import numpy as np
import tensorflow as tf

from tfx_distill.components.distiller import baselines, kernels
from tfx_distill.components.distiller.adam import adam_update
from tfx_distill.components.distiller.batches import class_balanced_batch
from tfx_distill.components.distiller.distilled_set import (PIXEL_HIGH, PIXEL_LOW,
                                                            DistilledSet)
from tfx_distill.components.distiller.job import Job
from tfx_distill.components.distiller.krr import accuracy, krr_loss, krr_predict
from tfx_distill.components.distiller.settings import KipSettings
from tfx_distill.contracts.example_format import plain_label_vectors

# The "step" whose random networks evaluate a finished set (bench/distill_quality.py).
EVAL_STEP = 2**31 - 1
MAX_SHIFT = 2  # pixels of random translation when the support is augmented
LOG_EVERY = 10  # steps between progress calls
CHECKPOINT_EVERY_S = 180.0  # seconds between checkpoint calls


@dataclasses.dataclass
class KipState:
  """Everything a run needs to continue: support, Adam moments, the best set so far (by
  an exponential moving average of the target-batch loss) and the time spent."""
  step: int
  images: np.ndarray
  labels: np.ndarray
  classes: np.ndarray
  m_images: np.ndarray
  v_images: np.ndarray
  m_labels: np.ndarray
  v_labels: np.ndarray
  best_images: np.ndarray
  best_labels: np.ndarray
  best_loss: float = float('inf')
  ema_loss: float = float('nan')
  elapsed_s: float = 0.0

  def to_arrays(self) -> Dict[str, np.ndarray]:
    return {f.name: np.asarray(getattr(self, f.name)) for f in dataclasses.fields(self)}

  @classmethod
  def from_arrays(cls, arrays: Dict[str, np.ndarray]) -> 'KipState':
    values = {}
    for f in dataclasses.fields(cls):
      value = np.asarray(arrays[f.name])
      values[f.name] = value.item() if value.ndim == 0 else value.copy()
    values['step'] = int(values['step'])
    return cls(**values)


# -------------------------------------------------------------------------- kernels


def translate(images: tf.Tensor, shifts: tf.Tensor, fill: float) -> tf.Tensor:
  """Shifts each image (N, H, W, C) by its own (dy, dx) in [-MAX_SHIFT, MAX_SHIFT],
  filling with `fill`; differentiable in the images."""
  size_h, size_w = images.shape[1], images.shape[2]
  padded = tf.pad(images, [[0, 0], [MAX_SHIFT, MAX_SHIFT], [MAX_SHIFT, MAX_SHIFT], [0, 0]],
                  constant_values=fill)
  rows = MAX_SHIFT - shifts[:, :1] + tf.range(size_h)[None, :]
  cols = MAX_SHIFT - shifts[:, 1:] + tf.range(size_w)[None, :]
  out = tf.gather(padded, rows, axis=1, batch_dims=1)
  return tf.gather(out, cols, axis=2, batch_dims=1)


def kernel_matrices(settings: KipSettings, support: tf.Tensor, target,
                    networks: List[kernels.ConvParams]) -> Tuple[tf.Tensor, tf.Tensor]:
  """(K_ss, K_ts) under the configured kernel; `target` is the list of the target
  batch's features per network (conv_rf) or the target images (fc_ntk)."""
  if settings.kernel == 'conv_rf':
    f_s = [kernels.conv_features(support, p) for p in networks]
    return kernels.feature_kernel(f_s, f_s), kernels.feature_kernel(target, f_s)
  if settings.kernel == 'fc_ntk':
    return (kernels.fc_ntk(support, support, settings.fc_depth),
            kernels.fc_ntk(target, support, settings.fc_depth))
  raise ValueError(f'unknown kernel {settings.kernel!r} (use conv_rf or fc_ntk)')


def step_networks(settings: KipSettings, step: int) -> List[kernels.ConvParams]:
  """The random networks of a step: fresh ones every `refresh_every` steps."""
  if settings.kernel != 'conv_rf':
    return []
  return kernels.conv_networks(settings.seed, step // max(settings.refresh_every, 1),
                               settings.num_networks, settings.width)


@tf.function(reduce_retracing=True)
def _features(images: tf.Tensor, networks) -> List[tf.Tensor]:
  return [kernels.conv_features(images, p) for p in networks]


def batched_features(images: np.ndarray, networks: List[kernels.ConvParams],
                     batch: int = 1000) -> List[tf.Tensor]:
  """The random features of many images, per network, computed in batches."""
  parts = [_features(tf.constant(images[i:i + batch]), networks)
           for i in range(0, len(images), batch)]
  return [tf.concat([part[m] for part in parts], axis=0) for m in range(len(networks))]


class TargetFeatures:
  """Target-batch features for a step. With refresh_every > 1 the features of the whole
  pool under the current networks are computed once and shared by those steps."""

  def __init__(self, pool_images: np.ndarray, settings: KipSettings):
    self.pool_images, self.settings = pool_images, settings
    self.generation, self.cache = None, None

  def __call__(self, step: int, batch: np.ndarray, networks: List[kernels.ConvParams]):
    if self.settings.kernel != 'conv_rf':
      return tf.constant(self.pool_images[batch])
    if self.settings.refresh_every <= 1:
      return _features(tf.constant(self.pool_images[batch]), networks)
    generation = step // self.settings.refresh_every
    if generation != self.generation:
      self.generation = generation
      self.cache = batched_features(self.pool_images, networks)
    indices = tf.constant(batch)
    return [tf.gather(f, indices) for f in self.cache]


# ----------------------------------------------------------------------------- steps


def make_grad_fn(settings: KipSettings) -> Callable:
  """A tf.function (support images, support labels, target features or images, target
  labels, target classes, shifts, networks) -> (loss, target accuracy, d loss/d images,
  d loss/d labels)."""

  @tf.function(reduce_retracing=True)
  def grad_fn(images, labels, target, target_labels, target_classes, shifts, networks):
    with tf.GradientTape() as tape:
      tape.watch([images, labels])
      support = translate(images, shifts, PIXEL_LOW) if settings.augment else images
      k_ss, k_ts = kernel_matrices(settings, support, target, networks)
      pred = krr_predict(k_ts, k_ss, labels, settings.ridge)
      loss = krr_loss(pred, target_labels)
    grad_images, grad_labels = tape.gradient(loss, [images, labels])
    return loss, accuracy(pred, target_classes), grad_images, grad_labels

  return grad_fn


def initial_state(pool_images: np.ndarray, pool_classes: np.ndarray,
                  settings: KipSettings, images_per_class: int) -> KipState:
  """Support initialised with random real images of every class (class-ordered) and
  plain labels."""
  idx = baselines.random_per_class(pool_classes, images_per_class, settings.seed)
  images = np.asarray(pool_images[idx], np.float32)
  classes = pool_classes[idx].astype(np.int64)
  labels = plain_label_vectors(classes)
  return KipState(step=0, images=images, labels=labels, classes=classes,
                  m_images=np.zeros_like(images), v_images=np.zeros_like(images),
                  m_labels=np.zeros_like(labels), v_labels=np.zeros_like(labels),
                  best_images=images.copy(), best_labels=labels.copy())


def kip_step(state: KipState, pool_classes: np.ndarray, settings: KipSettings,
             grad_fn: Callable, targets: TargetFeatures) -> Tuple[float, float]:
  """One KIP step in place on `state`: a class-balanced target batch and fresh networks
  drawn from (seed, step), gradient of the KRR loss, Adam on images (and labels).
  Returns (loss, target-batch accuracy) before the update."""
  rng = np.random.default_rng([settings.seed, state.step, 1])
  batch = class_balanced_batch(pool_classes, settings.target_batch, rng)
  shifts = rng.integers(-MAX_SHIFT, MAX_SHIFT + 1, size=(len(state.images), 2))
  target_classes = pool_classes[batch]
  networks = step_networks(settings, state.step)
  loss, acc, g_images, g_labels = grad_fn(
      tf.constant(state.images), tf.constant(state.labels),
      targets(state.step, batch, networks),
      tf.constant(plain_label_vectors(target_classes)), tf.constant(target_classes),
      tf.constant(shifts, tf.int32), networks)
  t = state.step + 1
  state.images, state.m_images, state.v_images = adam_update(
      state.images, g_images.numpy(), state.m_images, state.v_images, t,
      settings.learning_rate)
  if settings.clip == 'step':
    state.images = np.clip(state.images, PIXEL_LOW, PIXEL_HIGH)
  if settings.learn_labels:
    state.labels, state.m_labels, state.v_labels = adam_update(
        state.labels, g_labels.numpy(), state.m_labels, state.v_labels, t,
        settings.learning_rate)
  state.step = t
  return float(loss), float(acc)


def _track_best(state: KipState, before: Tuple[np.ndarray, np.ndarray], loss: float) -> None:
  """Updates the loss average; keeps the support that was evaluated when it is best."""
  state.ema_loss = loss if np.isnan(state.ema_loss) else 0.9 * state.ema_loss + 0.1 * loss
  if state.ema_loss < state.best_loss:
    state.best_loss = float(state.ema_loss)
    state.best_images, state.best_labels = before[0].copy(), before[1].copy()


def run_kip(job: Job, settings: KipSettings, *, log_every: int = LOG_EVERY,
            checkpoint_every_s: float = CHECKPOINT_EVERY_S) -> DistilledSet:
  """The method kip: runs KIP on the job's pool (in the standardised space) to a
  support of `images_per_class` images per class.

  job.progress(step, loss, acc) is called every `log_every` steps; job.checkpoint(state)
  every `checkpoint_every_s` seconds and at the end; job.resume (a KipState) continues a
  saved state. Stops after `steps` steps or when `time_budget_s` (counted over resumed
  runs) is spent, and returns the best support seen (by the moving average of the
  target-batch loss)."""
  pool_images = np.asarray(job.standardised(), np.float32)
  pool_classes = np.asarray(job.labels, np.int64)
  progress, checkpoint, resume = job.progress, job.checkpoint, job.resume
  state = (KipState.from_arrays(resume.to_arrays()) if resume is not None
           else initial_state(pool_images, pool_classes, settings, job.images_per_class))
  grad_fn = make_grad_fn(settings)
  targets = TargetFeatures(pool_images, settings)
  start = time.perf_counter()
  elapsed_before = state.elapsed_s
  last_checkpoint = start
  stopped_by_budget = False
  loss = acc = float('nan')
  while state.step < settings.steps:
    before = (state.images.copy(), state.labels.copy())
    loss, acc = kip_step(state, pool_classes, settings, grad_fn, targets)
    _track_best(state, before, loss)
    now = time.perf_counter()
    state.elapsed_s = elapsed_before + (now - start)
    if progress is not None and (state.step % log_every == 0 or
                                 state.step == settings.steps):
      progress(state.step, loss, acc)
    if checkpoint is not None and now - last_checkpoint >= checkpoint_every_s:
      checkpoint(state)
      last_checkpoint = now
    if settings.time_budget_s and state.elapsed_s >= settings.time_budget_s:
      stopped_by_budget = True
      break
  if checkpoint is not None:
    checkpoint(state)
  images, labels = state.best_images, state.best_labels
  if settings.clip != 'none':
    images = np.clip(images, PIXEL_LOW, PIXEL_HIGH)
  return DistilledSet(
      images=images.astype(np.float32), labels=labels.astype(np.float32),
      classes=state.classes.copy(),
      info={'steps': float(state.step), 'final_loss': loss, 'final_target_acc': acc,
            'best_ema_loss': float(state.best_loss), 'kip_time_s': float(state.elapsed_s),
            'stopped_by_budget': float(stopped_by_budget)})
