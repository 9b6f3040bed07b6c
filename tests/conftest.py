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


# The files that take longest (seconds of one worker, idle `make test` of 2026-12-07
# after the image run's tasks were forked), started first: pytest-xdist's --dist
# loadfile hands files out in collection order, so a long file collected late would run
# on alone at the end. The rest keep their order.
SLOWEST_FIRST = (
    'tests/kubeflow/test_image_run.py',  # ~145 s: every task of the compiled pipeline
    'tests/e2e/test_smoke_pipeline.py',  # ~220 s: makes the shared smoke run
    'tests/orchestration/test_cache_and_resume.py',  # ~145 s: four runs of the CLI
    'tests/kubeflow/test_image_install.py',  # ~40 s: pip's resolution against PyPI
    'tests/kubeflow/test_compile.py',
    'tests/kubeflow/test_data_fingerprint.py',
    'tests/kubeflow/test_model_registry.py',
    'tests/orchestration/test_cache_keys.py',
)


def pytest_collection_modifyitems(items):
  def rank(item):
    path = os.path.relpath(str(item.fspath), os.path.dirname(os.path.dirname(__file__)))
    return SLOWEST_FIRST.index(path) if path in SLOWEST_FIRST else len(SLOWEST_FIRST)
  items.sort(key=rank)  # stable: each file's tests stay in their order
