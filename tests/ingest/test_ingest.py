"""Splitting, and the Ingest executor on artifacts in a temp dir."""

import numpy as np
import pytest
from tfx.types import artifact_utils, standard_artifacts

from tfx_distill.contracts.artifacts import read_examples
from tfx_distill.contracts.example_format import plain_label_vectors
from tfx_distill.components.ingest import split as split_lib
from tfx_distill.components.ingest.executor import Executor
from tfx_distill.contracts.errors import DataError
from tfx_distill.components.ingest.ingest import build_splits
from tfx_distill.components.ingest.settings import IngestSettings
from tfx_distill.contracts.parameters import to_parameters


def test_split_is_stratified_disjoint_and_seeded():
  labels = np.repeat(np.arange(10), [50, 60, 70, 80, 90, 100, 110, 120, 130, 140])
  train, evaluation = split_lib.train_eval_split(labels, 0.2, seed=3)
  assert len(set(train) & set(evaluation)) == 0
  assert len(train) + len(evaluation) == len(labels)
  counts = np.bincount(labels[evaluation], minlength=10)
  np.testing.assert_array_equal(counts, 0.2 * np.bincount(labels))
  again, _ = split_lib.train_eval_split(labels, 0.2, seed=3)
  other, _ = split_lib.train_eval_split(labels, 0.2, seed=4)
  np.testing.assert_array_equal(train, again)
  assert not np.array_equal(train, other)


def test_cap_keeps_every_class():
  labels = np.repeat(np.arange(10), 100)
  kept = split_lib.cap(labels, 50, seed=0)
  assert len(kept) == 50 and len(set(kept)) == 50
  assert np.bincount(labels[kept], minlength=10).min() >= 4
  assert len(split_lib.cap(labels, 0, seed=0)) == 1000


def test_build_splits_on_sample_with_cap():
  splits = build_splits(IngestSettings('sample', max_examples=500, seed=1))
  assert [len(splits[name].labels) for name in ('train', 'valid', 'eval')] == [360, 40, 100]
  for name in ('valid', 'eval'):
    assert set(splits[name].labels.tolist()) == set(range(10))
  seen = [set(map(bytes, splits[name].images.reshape(len(splits[name].images), -1)))
          for name in ('train', 'valid', 'eval')]
  assert not (seen[0] & seen[1]) and not (seen[0] & seen[2]) and not (seen[1] & seen[2])


def run_executor(tmp_path, **props):
  examples = standard_artifacts.Examples()
  examples.uri = str(tmp_path / 'examples')
  Executor().Do({}, {'examples': [examples]},
                to_parameters(IngestSettings(**props)))
  return examples


def test_executor_writes_readable_examples(tmp_path, digits):
  images, labels = digits
  np.savez(tmp_path / 'd.npz', x=np.concatenate([images] * 4), y=np.tile(labels, 4))
  examples = run_executor(tmp_path, data=f'npz:{tmp_path / "d.npz"}')
  assert artifact_utils.decode_split_names(examples.split_names) == ['train', 'valid',
                                                                     'eval']
  assert examples.get_string_custom_property('file_format') == 'tfrecords_gzip'
  train, evaluation = read_examples(examples, 'train'), read_examples(examples, 'eval')
  valid = read_examples(examples, 'valid')
  assert (len(train.labels), len(valid.labels), len(evaluation.labels)) == (86, 10, 24)
  assert examples.get_int_custom_property('num_train') == 86
  np.testing.assert_allclose(train.label_vectors, plain_label_vectors(train.labels))
  pool = np.concatenate([train.images, valid.images, evaluation.images]) * 255
  assert np.allclose(np.sort(pool.reshape(-1)),
                     np.sort(np.concatenate([images] * 4).reshape(-1).astype(float)),
                     atol=1e-3)
  assert list((tmp_path / 'examples' / 'Split-train').iterdir())[0].name.endswith('.gz')


def test_executor_bad_input_writes_nothing(tmp_path, digits):
  images, labels = digits
  np.savez(tmp_path / 'bad.npz', x=images, y=np.where(labels == 2, 11, labels))
  with pytest.raises(DataError, match='bad.npz: labels out of range'):
    run_executor(tmp_path, data=f'npz:{tmp_path / "bad.npz"}')
  assert not (tmp_path / 'examples').exists()


def test_fashion_mnist_idx_from_debian():
  """The real 70,000 Fashion-MNIST images (Debian's dataset-fashion-mnist)."""
  import glob  # pylint: disable=g-import-not-at-top
  found = glob.glob('/usr/share/**/train-images-idx3-ubyte*', recursive=True)
  if not found:
    pytest.skip('dataset-fashion-mnist is not installed (make system-deps)')
  import os  # pylint: disable=g-import-not-at-top
  splits = build_splits(IngestSettings(f'idx:{os.path.dirname(found[0])}',
                                       eval_source='test'))
  assert len(splits['train'].labels) == 54000 and len(splits['valid'].labels) == 6000
  assert len(splits['eval'].labels) == 10000
  assert np.bincount(splits['train'].labels).tolist() == [5400] * 10


def test_the_fashion_presets_data_is_debians_fashion_mnist():
  """`--preset fashion` reads 10,000 of Debian's 60,000 Fashion-MNIST training images,
  every class alike."""
  from tfx_distill.pipeline.config import FASHION_MNIST, preset  # pylint: disable=g-import-not-at-top
  import os  # pylint: disable=g-import-not-at-top
  if not os.path.isdir(FASHION_MNIST):
    pytest.skip('dataset-fashion-mnist is not installed (make system-deps)')
  splits = build_splits(preset('fashion').ingest)
  assert sum(len(split.labels) for split in splits.values()) == 10000
  counts = np.bincount(np.concatenate([split.labels for split in splits.values()]))
  assert counts.tolist() == [1000] * 10
