"""nfr: neural feature regression with an online model pool (FRePo-style, Zhou et al.
2022), the default distillation method.

A support set (images X_s, label vectors y_s) of n images is learned so that kernel
ridge regression on the features of *partly trained* networks of the Trainer's own
architecture predicts real images well. One step:

1. take pool model j = step mod pool_models (`model_pool.py`, dropout off);
   draw a class-balanced batch of `target_batch` real target images (never held-out
   images) and compute the feature-regression loss of the support under model j
   (`feature_regression.py`);
2. Adam on X_s and y_s (`learning_rate`, cosine decay over `steps`); clip X_s to the
   valid pixel range after every step (clip step) or only at the output (clip output);
3. train model j `model_steps` Adam steps on the current support (it is re-initialised
   after `reset_every` updates).

With objective unroll (`unroll.py`) step 1's loss is instead the target loss of a fresh
network after `unroll_steps` steps of the small-set recipe on the support, and the pool
is not trained.

Every `eval_every` steps the support is scored on held-out pool images and the best
one is kept (`keep_best.py`). The initial support is herded (pixel space, per class)
or random real images; its labels plain, or a teacher's logits (`teacher.py`).

Images are optimised in pixel/255 space (the space the Trainer feeds the network); the
result is in the published KIP format: images float32 (n, 28, 28, 1) standardised,
labels float32 (n, 10), class-ordered.

Determinism: every random draw comes from its own stream (`random_streams.py`) and the
networks' and optimisers' states are numpy arrays in the NfrState, so the same settings
and step count give byte-identical output on CPU, and a run resumed from a checkpoint
continues exactly (unless a time budget stopped it). The learning-rate schedule spans
`steps`: a checkpoint resumed with other `steps` continues on the new schedule.
"""

import dataclasses
import math
import time
from typing import Callable, Dict, Optional

import numpy as np
import tensorflow as tf

from tfx_distill.components.distiller import herding, model_pool, networks, teacher, unroll
from tfx_distill.components.distiller.adam import adam_update
from tfx_distill.components.distiller.batches import class_balanced_batch
from tfx_distill.components.distiller.distilled_set import DistilledSet
from tfx_distill.components.distiller.feature_regression import (make_feature_fn,
                                                                 make_support_grad)
from tfx_distill.components.distiller.job import Job
from tfx_distill.components.distiller.keep_best import Scorer, split_holdout
from tfx_distill.components.distiller.settings import AUTO_HOLDOUT, NfrSettings
from tfx_distill.components.distiller.nfr_state import NfrState
from tfx_distill.components.distiller.random_streams import (MODEL, STAGGER, STEP,
                                                             SUPPORT0, UNROLL, stream,
                                                             tf_seeds)
from tfx_distill.contracts.errors import check
from tfx_distill.contracts.example_format import (NUM_CLASSES, plain_label_vectors,
                                                   standardise)

LOG_EVERY = 10  # steps between progress calls
CHECKPOINT_EVERY_S = 180.0  # seconds between checkpoint calls


def feature_kind(settings: NfrSettings, architecture: str) -> str:
  """The features regressed on: kip_convnet has one representation (flatten)."""
  return 'flatten' if architecture == 'kip_convnet' else settings.features


def learning_rate(base: float, step: int, settings: NfrSettings) -> float:
  """Cosine decay from `base` at step 0 to 0 at `steps`."""
  if settings.steps <= 0:
    return base
  progress = min(max(step, 0) / max(settings.steps, 1), 1.0)
  return base * 0.5 * (1.0 + math.cos(math.pi * progress))


def initial_indices(pool_images: np.ndarray, pool_classes: np.ndarray,
                    candidates: np.ndarray, settings: NfrSettings,
                    images_per_class: int) -> np.ndarray:
  """Pool indices of the initial support, class-ordered, from the target candidates:
  pixel-space herding per class, or random real images."""
  rng = stream(settings.seed, SUPPORT0)
  picks = []
  for c in range(NUM_CLASSES):
    members = candidates[pool_classes[candidates] == c]
    if settings.init == 'herding':
      flat = pool_images[members].reshape(len(members), -1).astype(np.float64)
      picks.append(members[herding.herd(flat, images_per_class)])
    else:
      picks.append(rng.choice(members, images_per_class, replace=False))
  return np.concatenate(picks)


def initial_state(pool_images: np.ndarray, pool_classes: np.ndarray,
                  candidates: np.ndarray, settings: NfrSettings,
                  images_per_class: int, pool: model_pool.Pool,
                  architecture: str = 'seed_cnn') -> NfrState:
  """Support = real images of every class with plain labels (or, with label_init
  teacher, the logits of a network of `architecture` trained on the candidates); pool
  models fresh and staggered."""
  idx = initial_indices(pool_images, pool_classes, candidates, settings, images_per_class)
  images = pool_images[idx].astype(np.float32)
  classes = pool_classes[idx].astype(np.int64)
  if settings.label_init == 'teacher':
    params = teacher.train_teacher(architecture, pool_images, pool_classes, candidates,
                                   settings.teacher_steps, settings.seed)
    labels = teacher.teacher_labels(architecture, params, images)
  else:
    labels = plain_label_vectors(classes)
  p = settings.pool_models
  state = NfrState(step=0, images=images, labels=labels, classes=classes,
                   m_images=np.zeros_like(images), v_images=np.zeros_like(images),
                   m_labels=np.zeros_like(labels), v_labels=np.zeros_like(labels),
                   params=[None] * p, m_params=[None] * p, v_params=[None] * p,
                   model_t=np.zeros(p, np.int64), model_age=np.zeros(p, np.int64),
                   model_generation=np.zeros(p, np.int64),
                   best_images=images.copy(), best_labels=labels.copy())
  for slot in range(p):
    pool.fresh(state, slot)
    if settings.objective == 'unroll':  # the pool is not used
      continue
    for u in range(model_pool.stagger_updates(slot, settings)):
      pool.train(state, slot, stream(settings.seed, STAGGER, slot, u))
  return state


def support_step(state: NfrState, pool_images: np.ndarray, pool_classes: np.ndarray,
                 candidates: np.ndarray, settings: NfrSettings, grad_fn: Callable,
                 pool: model_pool.Pool) -> Dict[str, float]:
  """One step in place: regression loss under model (step mod P), Adam on the support,
  clip, then the model's update(s). Returns the loss and target accuracy before it."""
  s = settings
  rng = stream(s.seed, STEP, state.step)
  batch = class_balanced_batch(pool_classes, s.target_batch, rng, candidates)
  slot = model_pool.model_slot(state.step, s)
  if isinstance(grad_fn, dict):  # one per architecture of a mixed pool
    grad_fn = grad_fn[pool.architectures[slot]]
  if s.objective == 'unroll':  # a fresh network each step, trained inside the gradient
    name = pool.architectures[0]
    params = [tf.constant(p) for p in networks.init_params(
        name, networks.width_of(name), (s.seed, UNROLL, state.step))]
  else:
    params = [tf.constant(p) for p in state.params[slot]]
  # The support's shifts (support_shift; with objective unroll, the unrolled steps'
  # batches and shifts): drawn after the batch, so that runs without them keep their
  # bytes.
  shift_seed = (tf_seeds(rng, 1)[0] if s.support_shift or s.objective == 'unroll'
                else None)
  loss, acc, g_x, g_y = grad_fn(params, tf.constant(state.images),
                                tf.constant(state.labels),
                                tf.constant(pool_images[batch]),
                                tf.constant(plain_label_vectors(pool_classes[batch])),
                                shift_seed)
  t = state.step + 1
  lr = learning_rate(s.learning_rate, state.step, s)
  state.images, state.m_images, state.v_images = adam_update(
      state.images, g_x.numpy(), state.m_images, state.v_images, t, lr)
  if s.clip == 'step':
    state.images = np.clip(state.images, 0.0, 1.0)
  if s.learn_labels:
    state.labels, state.m_labels, state.v_labels = adam_update(
        state.labels, g_y.numpy(), state.m_labels, state.v_labels, t, lr)
  model_loss = float('nan')
  for u in range(s.model_steps if s.objective == 'krr' else 0):  # unroll: no pool
    model_loss = pool.train(state, slot, stream(s.seed, MODEL, state.step, u))
  state.step = t
  return {'loss': float(loss), 'target_acc': float(acc), 'model_loss': model_loss}


def to_kip_format(images01: np.ndarray) -> np.ndarray:
  """Pixel/255 images -> the published KIP space, float32 (n, 28, 28, 1)."""
  return standardise(np.asarray(images01, np.float32)).astype(np.float32).reshape(
      -1, 28, 28, 1)


def check_pool_split(pool_classes: np.ndarray, candidates: np.ndarray,
                     settings: NfrSettings, images_per_class: int) -> None:
  """ConfigError unless the holdout leaves images_per_class candidates of each class."""
  counts = np.bincount(pool_classes[candidates], minlength=NUM_CLASSES)
  given = 'auto' if settings.holdout == AUTO_HOLDOUT else settings.holdout
  check(counts.min() >= images_per_class,
        f'distill.holdout {given} leaves {counts.min()} pool images of a '
        f'class for {images_per_class} per class; lower --holdout')


class _Clock:
  """Distillation time of a run (wall and CPU, over resumed runs), without the time
  spent in callbacks."""

  def __init__(self, state: NfrState, wall0: float, cpu0: float):
    self.state = state
    self.wall0, self.cpu0 = wall0, cpu0
    self.elapsed0, self.spent0 = state.elapsed_s, state.cpu_s
    self.excluded = [0.0, 0.0]

  def call(self, fn: Callable, *args) -> None:
    self.update()
    wall, cpu = time.perf_counter(), time.process_time()
    fn(*args)
    self.excluded[0] += time.perf_counter() - wall
    self.excluded[1] += time.process_time() - cpu

  def update(self) -> None:
    self.state.elapsed_s = (self.elapsed0 + time.perf_counter() - self.wall0
                            - self.excluded[0])
    self.state.cpu_s = self.spent0 + time.process_time() - self.cpu0 - self.excluded[1]


def run_nfr(job: Job, settings: NfrSettings, *, log_every: int = LOG_EVERY,
            checkpoint_every_s: float = CHECKPOINT_EVERY_S,
            stop_at: Optional[int] = None) -> DistilledSet:
  """The method nfr: distils `images_per_class` images per class from the job's pool
  (in pixel/255 space), for networks of the job's `architecture`.

  job.progress(step, loss, target acc) is called every `log_every` steps and at the
  end; job.checkpoint(state) every `checkpoint_every_s` seconds and at the end;
  job.resume (an NfrState) continues a saved state (same settings); `stop_at` stops
  this call after that step, as a pre-emption would (the schedule still spans
  `steps`). Stops after `steps` steps or when `time_budget_s` (over resumed runs) is
  spent."""
  images_per_class, architecture = job.images_per_class, job.architecture
  s = settings = dataclasses.replace(settings, steps=settings.steps_for(images_per_class))
  progress, checkpoint, resume = job.progress, job.checkpoint, job.resume
  pool_images = np.asarray(job.images01, np.float32).reshape(-1, 28, 28, 1)
  pool_classes = np.asarray(job.labels, np.int64)
  candidates, held = split_holdout(pool_classes, s, images_per_class)
  check_pool_split(pool_classes, candidates, s, images_per_class)
  kind = feature_kind(s, architecture)
  pool = model_pool.Pool(s, architecture)
  if s.objective == 'unroll':
    grad_fn = unroll.make_unroll_grad(architecture, s.unroll_steps, s.eval_batch, s.eval_lr,
                                      s.eval_fit_steps, s.model_shift)
  else:
    grad_fn = {name: make_support_grad(name, feature_kind(s, name), s.ridge,
                                       s.support_shift)
               for name in set(pool.architectures)}
  feature_fn = make_feature_fn(architecture, kind)
  wall0, cpu0 = time.perf_counter(), time.process_time()  # the pool's stagger counts
  state = (NfrState.from_arrays(resume.to_arrays()) if resume is not None else
           initial_state(pool_images, pool_classes, candidates, s, images_per_class,
                         pool, architecture))
  clock = _Clock(state, wall0, cpu0)
  scorer = (Scorer(s, architecture, kind, pool_images[held], pool_classes[held],
                   feature_fn) if s.keep_best != 'none' and len(held) else None)
  last_checkpoint = time.perf_counter()
  metrics: Dict[str, float] = {}
  scores = []
  stopped_by_budget = False

  def evaluate(keep: bool = True):
    """Scores the current (clipped) support; `keep` lets it replace the best one in
    the state (only at multiples of eval_every, so resumed runs match)."""
    images = np.clip(state.images, 0.0, 1.0)
    score = scorer(state, images, state.labels)
    if keep and score > state.best_score:
      state.best_score, state.best_step = score, state.step
      state.best_images, state.best_labels = images.copy(), state.labels.copy()
    scores.append(score)
    return score, images

  if scorer is not None and state.step == 0:
    evaluate()
  last_step = s.steps if stop_at is None else min(stop_at, s.steps)
  while state.step < last_step:
    metrics = support_step(state, pool_images, pool_classes, candidates, s, grad_fn, pool)
    clock.update()
    done = state.step >= last_step or (
        s.time_budget_s and state.elapsed_s >= s.time_budget_s)
    if scorer is not None and state.step % s.eval_every == 0:
      evaluate()
    if progress is not None and (state.step % log_every == 0 or state.step == s.steps):
      clock.call(progress, state.step, metrics['loss'], metrics['target_acc'])
    now = time.perf_counter()
    if checkpoint is not None and now - last_checkpoint >= checkpoint_every_s:
      clock.call(checkpoint, state)
      last_checkpoint = now
    if done and state.step < last_step:
      stopped_by_budget = True
      break
  clock.update()
  if checkpoint is not None:
    clock.call(checkpoint, state)
  returned_step = state.step
  if scorer is not None:
    images, labels, returned_step = state.best_images, state.best_labels, state.best_step
    if state.step % s.eval_every != 0:  # the last iterate competes too
      score, last = evaluate(keep=False)
      if score > state.best_score:
        images, labels, returned_step = last, state.labels, state.step
  else:
    images, labels = np.clip(state.images, 0.0, 1.0), state.labels
  clock.update()
  info = {'steps': float(state.step), 'nfr_time_s': float(state.elapsed_s),
          'nfr_cpu_s': float(state.cpu_s), 'stopped_by_budget': float(stopped_by_budget),
          'holdout_images': float(len(held)), 'returned_step': float(returned_step),
          # keep-best scored no distilled step above the herded real images it began from
          'returned_initial_support': float(returned_step == 0 and state.step > 0)}
  info.update({key: float(metrics[name]) for key, name in
               (('final_loss', 'loss'), ('final_target_acc', 'target_acc'))
               if name in metrics})
  if scores:  # keep-best scored the support (not with keep_best 'none')
    info.update(best_score=float(state.best_score), best_step=float(state.best_step),
                last_score=float(scores[-1]))
  return DistilledSet(images=to_kip_format(images), labels=labels.astype(np.float32),
                       classes=state.classes.copy(), info=info)
