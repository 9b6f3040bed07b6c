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


# The modules that run whole pipelines, longest first (minutes each on 2 cores). Run
# first, so that `make test`'s two workers (pytest-xdist, one file each) do not end
# with one of them alone on a long file while the other idles.
LONGEST_FIRST = (
    'tests/orchestration/test_cache_and_resume.py',
    'tests/e2e/test_smoke_pipeline.py',
    'tests/kubeflow/test_baseline.py',
    'tests/kubeflow/test_container_entrypoint.py',
    'tests/kubeflow/test_image_install.py',
    'tests/orchestration/test_cache_keys.py',
    'tests/kubeflow/test_data_fingerprint.py',
    'tests/kubeflow/test_compile.py',
)


def pytest_collection_modifyitems(config, items):  # pylint: disable=unused-argument
  """Puts the tests of LONGEST_FIRST first, in that order; the rest keep theirs."""
  rank = {path: i for i, path in enumerate(LONGEST_FIRST)}
  items.sort(key=lambda item: rank.get(item.nodeid.split('::')[0], len(rank)))
