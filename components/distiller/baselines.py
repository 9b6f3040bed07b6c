"""Baseline small sets, the methods random and first: real images picked per class,
without optimisation."""

import numpy as np

from tfx_distill.components.distiller.distilled_set import DistilledSet, from_indices
from tfx_distill.components.distiller.job import Job
from tfx_distill.components.distiller.settings import FirstSettings, RandomSettings
from tfx_distill.contracts.example_format import NUM_CLASSES


def random_per_class(labels: np.ndarray, images_per_class: int, seed: int) -> np.ndarray:
  """Indices of `images_per_class` random images of every class, class-ordered."""
  rng = np.random.default_rng(seed)
  return np.concatenate([
      rng.choice(np.flatnonzero(labels == c), images_per_class, replace=False)
      for c in range(NUM_CLASSES)])


def first_per_class(labels: np.ndarray, images_per_class: int) -> np.ndarray:
  """Indices of the first `images_per_class` images of every class (the seed notebook's
  choice), class-ordered."""
  return np.concatenate([np.flatnonzero(labels == c)[:images_per_class]
                         for c in range(NUM_CLASSES)])


def run_random(job: Job, settings: RandomSettings) -> DistilledSet:
  """The method random: `images_per_class` random real images of every class."""
  return from_indices(job.images01, job.labels,
                      random_per_class(job.labels, job.images_per_class, settings.seed))


def run_first(job: Job, settings: FirstSettings) -> DistilledSet:  # pylint: disable=unused-argument
  """The method first: the first `images_per_class` real images of every class."""
  return from_indices(job.images01, job.labels,
                      first_per_class(job.labels, job.images_per_class))
