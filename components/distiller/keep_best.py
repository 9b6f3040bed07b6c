"""Keep-best for nfr: which support a run returns. Every `eval_every` steps the support
is scored on `holdout` class-balanced pool images that are never target images nor
initial support images (`holdout_size`: auto derives the number from the pool), and the
best-scoring one is kept (the last iterate competes
too). Scores (`keep_best`):

- fit: accuracy on the held-out images of `eval_models` fresh networks of the Trainer's
  architecture trained on the support as the Trainer trains a small set
  (SmallSetTraining: the Trainer's loss, `eval_fit_steps` Adam steps at batch
  min(n, `eval_batch`), peak rate `eval_lr` with a linear warm-up over a tenth of the
  steps and cosine decay to 0, shifts of `model_shift` pixels, no dropout; the same
  initial weights and random draws at every evaluation, so scores compare sets). An
  earlier score trained at batch 256, 1e-3 and dropout, a recipe the Trainer does not
  use, and preferred the initial real images at 50 per class;
- krr_pool: mean KRR accuracy under the features of the current pool models;
- krr_fixed: the same under `eval_models` fixed fresh networks;
- none: no scoring, the last iterate is returned.

When the best score is the initial support's (step 0: real pool images, herded), the
run returns real images, not a distilled set: `initial_support_warning` says so, on
the terminal (the Distiller's executor, `tfx-distill distill`) and the set's record
(`returned_initial_support`, `returned_step`: the artifact, kip_set.json).
"""

import math
from typing import Callable, List, Tuple

import numpy as np
import tensorflow as tf

from tfx_distill.components.distiller import networks
from tfx_distill.components.distiller.batches import class_balanced_batch
from tfx_distill.components.distiller.feature_regression import batched, feature_krr
from tfx_distill.components.distiller.settings import AUTO_HOLDOUT, NfrSettings
from tfx_distill.components.distiller.model_pool import make_model_update
from tfx_distill.components.distiller.nfr_state import NfrState
from tfx_distill.components.distiller.random_streams import (EVAL, HOLDOUT, stream,
                                                             tf_seeds)
from tfx_distill.contracts.example_format import NUM_CLASSES
from tfx_distill.trainer.settings import SmallSetTraining

WARMUP_FRACTION = SmallSetTraining.warmup_fraction  # the Trainer's small-set warm-up
AUTO_SHARE = 5  # holdout auto: a fifth of the pool's smallest class per class,
AUTO_MAX_PER_CLASS = 100  # at most 100 per class (1000 in all)


def holdout_size(pool_classes: np.ndarray, settings: NfrSettings,
                 images_per_class: int = 1) -> int:
  """The number of held-out pool images: `settings.holdout`, or for AUTO_HOLDOUT
  NUM_CLASSES x min(100, a fifth of the smallest class, what leaves that class
  images_per_class pool images): 1000 on the demo's 7,200-image and the bench's
  8,000-image pools (smallest class 621 and 679), 240 on the smoke preset's 1,440, 120
  on 720."""
  if settings.holdout != AUTO_HOLDOUT:
    return settings.holdout
  smallest = int(np.bincount(pool_classes, minlength=NUM_CLASSES).min())
  per_class = min(AUTO_MAX_PER_CLASS, smallest // AUTO_SHARE,
                  max(smallest - images_per_class, 0))
  return NUM_CLASSES * per_class


def split_holdout(pool_classes: np.ndarray, settings: NfrSettings,
                  images_per_class: int = 1) -> Tuple[np.ndarray, np.ndarray]:
  """(target candidates, held-out indices): `holdout_size` class-balanced pool images
  that are never target images nor initial support images."""
  size = holdout_size(pool_classes, settings, images_per_class)
  if size <= 0:
    return np.arange(len(pool_classes)), np.zeros(0, np.int64)
  held = np.sort(class_balanced_batch(pool_classes, size,
                                      stream(settings.seed, HOLDOUT)))
  rest = np.setdiff1d(np.arange(len(pool_classes)), held)
  return rest, held


def small_set_rate(step: int, steps: int, peak: float,
                   warmup_fraction: float = WARMUP_FRACTION) -> float:
  """The learning rate at `step` (0-based) of `steps` under the Trainer's small-set
  schedule (trainer/recipe.py, Keras CosineDecay with warm-up): linear from 0 to `peak`
  over round(warmup_fraction * steps) steps (at most steps - 1), then cosine decay to
  0 over the rest."""
  warmup = min(int(round(warmup_fraction * steps)), steps - 1)
  if warmup > 0 and step < warmup:
    return peak * step / warmup
  return peak * 0.5 * (1.0 + math.cos(math.pi * min(step - warmup, steps - warmup)
                                      / max(1, steps - warmup)))


class Scorer:
  """Scores a support (images in pixel/255 space, label vectors) on the held-out pool
  images, by the settings' `keep_best`."""

  def __init__(self, settings: NfrSettings, architecture: str, kind: str,
               holdout_images: np.ndarray, holdout_classes: np.ndarray,
               feature_fn: Callable):
    self.settings, self.architecture = settings, architecture
    self.width = networks.width_of(architecture)
    self.update_fn = (make_model_update(architecture, 0.0, settings.model_shift)
                      if settings.keep_best == 'fit' else None)
    self.logits_fn = tf.function(
        lambda params, images: networks.forward(architecture, params, images)['logits'],
        reduce_retracing=True)
    self.images, self.classes = holdout_images, holdout_classes
    self.feature_fn = feature_fn
    self.fixed: List[Tuple[list, tf.Tensor]] = []
    if settings.keep_best == 'krr_fixed':
      for e in range(settings.eval_models):
        params = [tf.constant(p) for p in
                  networks.init_params(architecture, self.width, (settings.seed, EVAL, e))]
        self.fixed.append((params, batched(feature_fn, params, holdout_images)))

  def krr_accuracy(self, params: list, f_h: tf.Tensor, images: np.ndarray,
                   labels: np.ndarray) -> float:
    """Accuracy on the held-out images of KRR from the support under one network."""
    f_s = self.feature_fn(params, tf.constant(images))
    pred = feature_krr(f_s, tf.constant(labels), f_h, self.settings.ridge).numpy()
    return float(np.mean(np.argmax(pred, 1) == self.classes))

  def fit_accuracy(self, images: np.ndarray, labels: np.ndarray, index: int) -> float:
    """Trains fresh network `index` on the support; its held-out accuracy."""
    s = self.settings
    params = [tf.constant(p) for p in networks.init_params(
        self.architecture, self.width, (s.seed, EVAL, 1000 + index))]
    m = [tf.zeros_like(p) for p in params]
    v = [tf.zeros_like(p) for p in params]
    n = len(images)
    batch = min(n, s.eval_batch)
    steps = s.eval_fit_steps
    for t in range(1, steps + 1):
      rng = stream(s.seed, EVAL, index, t)
      idx = np.sort(rng.choice(n, batch, replace=False)) if n > batch else np.arange(n)
      lr = small_set_rate(t - 1, steps, s.eval_lr)
      params, m, v, _ = self.update_fn(params, m, v, tf.constant(t, tf.int32),
                                       tf.constant(lr, tf.float32),
                                       tf.constant(images[idx]), tf.constant(labels[idx]),
                                       tf_seeds(rng, 5))
    pred = batched(self.logits_fn, params, self.images).numpy()
    return float(np.mean(np.argmax(pred, 1) == self.classes))

  def __call__(self, state: NfrState, images: np.ndarray, labels: np.ndarray) -> float:
    if self.settings.keep_best == 'fit':
      return float(np.mean([self.fit_accuracy(images, labels, e)
                            for e in range(self.settings.eval_models)]))
    if self.settings.keep_best == 'krr_fixed':
      models = self.fixed
    else:
      models = []
      for p in state.params:
        params = [tf.constant(a) for a in p]
        models.append((params, batched(self.feature_fn, params, self.images)))
    return float(np.mean([self.krr_accuracy(p, f, images, labels) for p, f in models]))


def initial_support_warning(method: str, images_per_class: int, info: dict) -> str:
  """The one line that says a run returned its initial support (real images)."""
  scores = ''
  if 'best_score' in info and 'last_score' in info:
    scores = (f' (held-out score {info["best_score"]:.3f} at step 0, '
              f'{info["last_score"]:.3f} at the last scored step)')
  return (f'Distiller {method} {images_per_class} per class: keep-best returned the '
          f'initial support, real pool images, not a distilled set: no distilled step '
          f'scored higher{scores}; --keep-best none returns the last iterate')
