"""Shared fixtures: small digit sets the tests write themselves."""

import os

os.environ.setdefault('TF_USE_LEGACY_KERAS', '0')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

import numpy as np  # pylint: disable=g-import-not-at-top,wrong-import-position
import pytest  # pylint: disable=g-import-not-at-top,wrong-import-position


@pytest.fixture
def digits():
  """30 random 28x28 uint8 images, 3 per class, labels 0..9 shuffled (seeded)."""
  rng = np.random.default_rng(0)
  labels = rng.permutation(np.repeat(np.arange(10), 3)).astype(np.uint8)
  images = rng.integers(0, 256, size=(30, 28, 28), dtype=np.uint8)
  return images, labels


@pytest.fixture(scope='session')
def image(tmp_path_factory):
  """The container image of kubeflow/Dockerfile, laid out here (tests/kubeflow/image.py)."""
  from tests import shared  # pylint: disable=g-import-not-at-top
  return shared.image(tmp_path_factory)


@pytest.fixture(scope='session')
def smoke_run(tmp_path_factory):
  """The smoke preset run once per session by the command line (tests/shared.py)."""
  from tests import shared  # pylint: disable=g-import-not-at-top
  return shared.smoke_run(tmp_path_factory)
