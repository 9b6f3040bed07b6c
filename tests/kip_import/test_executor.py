"""KipImport: a KIP .npz -> Examples in the pipeline's format, ZCA files refused."""

import numpy as np
import pytest
from tfx.types import standard_artifacts

from tfx_distill.contracts.artifacts import read_examples, write_examples
from tfx_distill.contracts import identity, kip_format
from tfx_distill.contracts.example_format import make_split, standardise
from tfx_distill.contracts.errors import DataError
from tfx_distill.components.kip_import.executor import Executor
from tfx_distill.components.kip_import.importer import import_kip_set


def _kip_file(path, seed=0):
  rng = np.random.default_rng(seed)
  pixels = rng.uniform(0, 1, (20, 28, 28, 1)) * (rng.uniform(0, 1, (20, 28, 28, 1)) > 0.8)
  images = standardise(pixels).astype(np.float32)
  labels = (np.eye(10)[np.arange(20) // 2] - 0.1 + rng.normal(0, 0.05, (20, 10)))
  kip_format.save(str(path), images, labels.astype(np.float32))
  return pixels[..., 0], labels.astype(np.float32)


def test_import_writes_pixel_space_images_and_keeps_learned_labels(tmp_path):
  path = tmp_path / 'ConvNet_ssize20_nozca_l_noaug_ckpt1000.npz'
  pixels, labels = _kip_file(path)
  ingested = standard_artifacts.Examples()
  ingested.uri = str(tmp_path / 'ingested')
  valid = make_split(pixels[:10], np.arange(10))
  held_out = make_split(pixels[10:], np.arange(10))
  write_examples(ingested, {'train': make_split(pixels, np.arange(20) // 2),
                            'valid': valid, 'eval': held_out})
  imported = standard_artifacts.Examples()
  imported.uri = str(tmp_path / 'imported')
  Executor().Do({'ingested': [ingested]}, {'examples': [imported]},
                {'path': str(path), 'set_index': 2})
  split = read_examples(imported, 'train')
  np.testing.assert_array_equal(read_examples(imported, 'valid').images, valid.images)
  # The eval split comes along for the Trainer's learning curve.
  np.testing.assert_array_equal(read_examples(imported, 'eval').images, held_out.images)
  np.testing.assert_allclose(split.images, pixels, atol=1e-5)
  np.testing.assert_array_equal(split.label_vectors, labels)
  np.testing.assert_array_equal(split.labels, np.argmax(labels, axis=1))
  assert imported.get_string_custom_property('source_path') == str(path)
  # The imported training set (contracts/identity.py): the index-th --kip-set.
  assert identity.TrainingSet.from_properties(identity.read(imported)) == identity.imported(2)


def test_zca_files_are_refused_with_a_clear_message(tmp_path):
  path = tmp_path / 'ConvNet_ssize20_zca_l_noaug_ckpt1000.npz'
  _kip_file(path)
  with pytest.raises(DataError, match='ZCA-whitened KIP sets are not supported'):
    import_kip_set(str(path))


def test_bad_files_fail_before_anything_is_written(tmp_path):
  path = tmp_path / 'bad.npz'
  np.savez(path, images=np.zeros((3, 28, 28, 1), np.float32), labels=np.zeros((3, 9)))
  imported = standard_artifacts.Examples()
  imported.uri = str(tmp_path / 'imported')
  with pytest.raises(DataError, match='labels have shape'):
    Executor().Do({}, {'examples': [imported]}, {'path': str(path), 'set_index': 0})
  assert not (tmp_path / 'imported').exists()


def test_component_wires_path_and_the_ingested_examples():
  from tfx.types import channel_utils  # pylint: disable=g-import-not-at-top
  from tfx_distill.components.kip_import.component import KipImport  # pylint: disable=g-import-not-at-top
  ingested = channel_utils.as_channel([standard_artifacts.Examples()])
  node = KipImport(path='gs://kip-datasets/kip/mnist/x.npz', examples=ingested)
  assert node.exec_properties['path'] == 'gs://kip-datasets/kip/mnist/x.npz'
  assert node.inputs['ingested'] is ingested and 'examples' in node.outputs
