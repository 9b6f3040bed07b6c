"""Tiny Examples sets for the trainer tests, written through components.example_format."""

import os

import numpy as np
import pytest

from tfx_distill.components.example_format import make_split, plain_label_vectors, write_split
from tfx_distill.components.ingest.sources import SAMPLE_PATH

TRAIN_IMAGES = 40


def sample_digits(count: int):
  """The first `count` bundled digits: images (N, 28, 28) in [0, 1], labels (N,)."""
  with np.load(SAMPLE_PATH) as data:
    return data['x'][:count].astype(np.float32) / 255.0, data['y'][:count].astype(np.int64)


def learned_split(count: int, seed: int = 0):
  """A distilled-looking split: images outside [0, 1], learned (non-plain) labels."""
  rng = np.random.default_rng(seed)
  images, labels = sample_digits(count)
  images = images * 1.6 - 0.3
  vectors = plain_label_vectors(labels) + rng.normal(0.0, 0.05, (count, 10))
  return make_split(images, labels, vectors.astype(np.float32))


@pytest.fixture
def plain_examples(tmp_path):
  """An Examples URI with a 'train' split of 40 real digits and plain labels."""
  uri = str(tmp_path / 'plain')
  write_split(uri, 'train', make_split(*sample_digits(TRAIN_IMAGES)))
  return uri


@pytest.fixture
def learned_examples(tmp_path):
  """An Examples URI with a 'train' split of 20 distilled-looking images."""
  uri = str(tmp_path / 'learned')
  write_split(uri, 'train', learned_split(20))
  return uri


def train_pattern(uri: str) -> str:
  return os.path.join(uri, 'Split-train', '*')
