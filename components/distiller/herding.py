"""Herding (Welling 2009; Chen et al. 2010) per class: pick real images whose feature
mean follows the class's feature mean.

For a class with features phi(x_1..x_m) and mean mu, step t (1-based) picks, among the
images not yet chosen,

    x_t = argmin_x || mu - (phi(x) + sum_{j<t} phi(x_j)) / t ||^2,

the greedy choice that keeps the running mean of the chosen features closest to mu.
Features are raw standardised pixels or the random ConvNet features of `kernels`.
"""

from typing import Sequence

import numpy as np
import tensorflow as tf

from tfx_distill.components.distiller import kernels
from tfx_distill.components.distiller.distilled_set import DistilledSet, from_indices
from tfx_distill.components.distiller.job import Job
from tfx_distill.components.distiller.settings import HerdingSettings
from tfx_distill.contracts.example_format import NUM_CLASSES


def herd(features: np.ndarray, count: int) -> np.ndarray:
  """Indices (into `features`, (m, D)) of `count` herded rows, in the order picked."""
  features = np.asarray(features, np.float64)
  mean = features.mean(axis=0)
  chosen = []
  total = np.zeros_like(mean)
  available = np.ones(len(features), bool)
  for t in range(1, count + 1):
    gaps = np.sum((mean[None, :] - (total[None, :] + features) / t)**2, axis=1)
    gaps[~available] = np.inf
    pick = int(np.argmin(gaps))
    chosen.append(pick)
    available[pick] = False
    total += features[pick]
  return np.asarray(chosen, np.int64)


def image_features(images_std: np.ndarray, feature: str, seed: int = 0,
                   num_networks: int = 4, width: int = 128,
                   batch: int = 1000) -> np.ndarray:
  """(N, D) features of standardised images (N, 28, 28, 1): 'pixels' or 'conv_rf'
  (the concatenated features of `num_networks` random ConvNets)."""
  if feature == 'pixels':
    return images_std.reshape(len(images_std), -1)
  if feature != 'conv_rf':
    raise ValueError(f'unknown herding feature {feature!r} (use pixels or conv_rf)')
  networks = kernels.conv_networks(seed, 0, num_networks, width)
  parts = []
  for start in range(0, len(images_std), batch):
    x = tf.constant(images_std[start:start + batch], tf.float32)
    parts.append(np.concatenate(
        [kernels.conv_features(x, p).numpy() for p in networks], axis=1))
  return np.concatenate(parts)


def herding_per_class(features: np.ndarray, labels: np.ndarray,
                      images_per_class: int) -> np.ndarray:
  """Indices of `images_per_class` herded images of every class, class-ordered."""
  picks: Sequence[np.ndarray] = []
  for c in range(NUM_CLASSES):
    members = np.flatnonzero(labels == c)
    picks.append(members[herd(features[members], images_per_class)])
  return np.concatenate(picks)


def run_herding(job: Job, settings: HerdingSettings) -> DistilledSet:
  """The method herding: `images_per_class` real images of every class herded on the
  features of `num_networks` random ConvNets (drawn from `seed`)."""
  features = image_features(job.standardised(), 'conv_rf', settings.seed,
                            settings.num_networks)
  return from_indices(job.images01, job.labels,
                      herding_per_class(features, job.labels, job.images_per_class))
