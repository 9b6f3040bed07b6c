"""One entry point for every distillation method (the table, `methods.py`): real images
in, a small set (a DistilledSet) out. The pipeline's Distiller and `tfx-distill
distill` both call `distill`."""

import time
from typing import Callable, Optional

import numpy as np
import tensorflow as tf

from tfx_distill.components.distiller import devices
from tfx_distill.components.distiller.distilled_set import DistilledSet
from tfx_distill.components.distiller.job import Job, Progress
from tfx_distill.components.distiller.methods import (check_candidate, method as method_entry,
                                                      settings_of)
from tfx_distill.components.distiller.settings import MethodSettings
from tfx_distill.contracts.errors import ConfigError
from tfx_distill.contracts.example_format import NUM_CLASSES


def check_pool(labels: np.ndarray, images_per_class: int) -> None:
  """Raises ConfigError when a class has fewer than images_per_class examples."""
  counts = np.bincount(labels, minlength=NUM_CLASSES)
  if counts.min() < images_per_class:
    raise ConfigError(f'cannot take {images_per_class} images per class: the smallest '
                     f'class has {counts.min()} examples')


def distill(images01: np.ndarray, labels: np.ndarray, method: str, images_per_class: int,
            settings: Optional[MethodSettings] = None,
            progress: Progress = None,
            checkpoint: Optional[Callable] = None,
            resume=None,
            architecture: str = 'seed_cnn',
            device: Optional[str] = None) -> DistilledSet:
  """Makes a class-balanced set of `images_per_class` images per class from real images
  (N, 28, 28) in pixel/255 space with integer labels, by `method` with its `settings`
  (its settings class in the table; default: the method's defaults), validated first.

  nfr learns images and labels by neural feature regression with a pool of networks of
  the Trainer's `architecture`; random / first / herding pick real images; kip learns
  images (and labels) by kernel inducing points; logreg by bi-level logistic
  regression. `checkpoint` and `resume` (the methods with a checkpoint state: nfr and
  kip) save and continue a run's state. TensorFlow work runs on `device` (default: the
  first GPU if any, else the CPU; devices.py)."""
  check_candidate(method, images_per_class)
  settings = settings_of(method, settings).validate()
  check_pool(labels, images_per_class)
  job = Job(images01, labels, images_per_class, architecture, progress, checkpoint, resume)
  with tf.device(device or devices.distill_device()):
    start = time.perf_counter()
    result = method_entry(method).distill(job, settings)
  result.info.setdefault('wall_time_s', time.perf_counter() - start)
  return result
