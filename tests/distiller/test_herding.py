"""Herding: greedy feature-mean matching per class."""

import numpy as np

from tfx_distill.components.distiller import herding


def test_first_pick_is_closest_to_the_mean_and_picks_are_distinct():
  rng = np.random.default_rng(0)
  features = rng.standard_normal((50, 4))
  picks = herding.herd(features, 10)
  mean = features.mean(axis=0)
  assert picks[0] == np.argmin(np.sum((features - mean)**2, axis=1))
  assert len(set(picks.tolist())) == 10


def test_herding_follows_the_mean_better_than_random_subsets():
  rng = np.random.default_rng(1)
  features = rng.standard_normal((200, 6)) * np.arange(1, 7)
  mean = features.mean(axis=0)
  herded = np.linalg.norm(features[herding.herd(features, 5)].mean(axis=0) - mean)
  random = [np.linalg.norm(features[rng.choice(200, 5, replace=False)].mean(axis=0) - mean)
            for _ in range(200)]
  assert herded < np.percentile(random, 5)


def test_herding_per_class_is_class_ordered():
  rng = np.random.default_rng(2)
  labels = rng.permutation(np.repeat(np.arange(10), 8))
  images = rng.standard_normal((80, 28, 28, 1)).astype(np.float32)
  for feature in ('pixels', 'conv_rf'):
    features = herding.image_features(images, feature, seed=0, num_networks=1, width=8)
    idx = herding.herding_per_class(features, labels, 3)
    np.testing.assert_array_equal(labels[idx], np.repeat(np.arange(10), 3))
