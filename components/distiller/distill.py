"""One entry point for every distillation method: real images in, a small set out."""

import dataclasses
import time
from typing import Callable, Dict, Optional

import numpy as np
import tensorflow as tf

from tfx_distill.components.distiller import (baselines, bilevel, devices, herding, kip,
                                              nfr)
from tfx_distill.components.distiller.checkpoint import State
from tfx_distill.components.distiller.distilled_set import DistilledSet, from_indices
from tfx_distill.components.distiller.settings import (DistillSettings, check_candidate,
                                                       for_method)
from tfx_distill.contracts.errors import ConfigError
from tfx_distill.contracts.example_format import (NUM_CLASSES, plain_label_vectors,
                                                   standardise)


# A progress callback receives (step, loss, target-batch accuracy).
Progress = Optional[Callable[[int, float, float], None]]


def check_pool(labels: np.ndarray, images_per_class: int) -> None:
  """Raises ConfigError when a class has fewer than images_per_class examples."""
  counts = np.bincount(labels, minlength=NUM_CLASSES)
  if counts.min() < images_per_class:
    raise ConfigError(f'cannot take {images_per_class} images per class: the smallest '
                     f'class has {counts.min()} examples')


def distill(images01: np.ndarray, labels: np.ndarray, method: str, images_per_class: int,
            settings: DistillSettings = DistillSettings(),
            progress: Progress = None,
            checkpoint: Optional[Callable[[State], None]] = None,
            resume: Optional[State] = None,
            architecture: str = 'seed_cnn',
            device: Optional[str] = None) -> DistilledSet:
  """Makes a class-balanced set of `images_per_class` images per class from real images
  (N, 28, 28) in pixel/255 space with integer labels.

  nfr learns images and labels by neural feature regression with a pool of networks of
  the Trainer's `architecture`; random / first / herding pick real images; kip learns
  images (and labels) by kernel inducing points; logreg by bi-level logistic
  regression. `checkpoint` and `resume` (nfr and kip) save and continue a run's state.
  TensorFlow work runs on `device` (default: the first GPU if any, else the CPU;
  devices.py)."""
  check_candidate(method, images_per_class)
  check_pool(labels, images_per_class)
  settings = for_method(settings, method)
  with tf.device(device or devices.distill_device()):
    return _distill(images01, labels, method, images_per_class, settings, progress,
                    checkpoint, resume, architecture)


def _distill(images01, labels, method, images_per_class, settings, progress, checkpoint,
             resume, architecture) -> DistilledSet:
  """`distill` on the current device."""
  start = time.perf_counter()
  if method == 'nfr':
    result = nfr.run_nfr(images01, labels, settings, images_per_class, architecture,
                         progress, checkpoint, resume)
  elif method == 'random':
    result = from_indices(images01, labels,
                          baselines.random_per_class(labels, images_per_class, settings.seed))
  elif method == 'first':
    result = from_indices(images01, labels, baselines.first_per_class(labels, images_per_class))
  elif method == 'herding':
    features = herding.image_features(standardise(images01)[..., None], 'conv_rf',
                                      settings.seed, settings.num_networks)
    result = from_indices(images01, labels,
                          herding.herding_per_class(features, labels, images_per_class))
  elif method == 'kip':
    result = kip.run_kip(standardise(images01)[..., None], labels, settings,
                         images_per_class, progress, checkpoint, resume)
  elif method == 'logreg':
    result = bilevel.run_logreg(standardise(images01)[..., None], labels, settings,
                                images_per_class, progress)
  else:
    raise AssertionError(f'method {method!r} passed check_candidate but has no branch')
  result.info.setdefault('wall_time_s', time.perf_counter() - start)
  return result
