"""The Distiller executor on artifacts in temporary directories."""

import os

import numpy as np
from tfx.types import standard_artifacts

from tfx_distill.components.artifacts import read_examples, write_examples
from tfx_distill.components import kip_format
from tfx_distill.components.distiller.executor import Executor
from tfx_distill.components.distiller.settings import DistillSettings
from tfx_distill.components.distiller.spec import KIP_SET_FILE, KipSet
from tfx_distill.components.parameters import from_properties, to_parameters
from tfx_distill.components.example_format import make_split, unstandardise


def test_distiller_writes_examples_and_a_kip_file(tmp_path):
  rng = np.random.default_rng(0)
  labels = np.repeat(np.arange(10), 6)
  images = rng.uniform(0, 0.1, (60, 28, 28)).astype(np.float32)
  images[np.arange(60), 3 + 2 * labels, 5:22] = 1.0
  examples = standard_artifacts.Examples()
  examples.uri = str(tmp_path / 'examples')
  valid = make_split(images[:10], labels[:10])
  write_examples(examples, {'train': make_split(images, labels), 'valid': valid})
  distilled = standard_artifacts.Examples()
  distilled.uri = str(tmp_path / 'distilled')
  kip_set = KipSet()
  kip_set.uri = str(tmp_path / 'kip_set')
  settings = DistillSettings(steps=2, target_batch=30, num_networks=1, width=16)
  properties = dict(method='kip', images_per_class=1, **to_parameters(settings))
  assert properties['learn_labels'] == 1 and from_properties(DistillSettings,
                                                             properties) == settings
  Executor().Do({'examples': [examples]}, {'distilled': [distilled], 'kip_set': [kip_set]},
                properties)
  saved = kip_format.load(os.path.join(kip_set.uri, KIP_SET_FILE))
  split = read_examples(distilled, 'train')
  assert saved.images.shape == (10, 28, 28, 1)
  np.testing.assert_array_equal(split.labels, np.arange(10))
  np.testing.assert_allclose(split.images, unstandardise(saved.images[..., 0]), atol=1e-6)
  np.testing.assert_array_equal(split.label_vectors, saved.labels)
  np.testing.assert_array_equal(read_examples(distilled, 'valid').images, valid.images)
  assert distilled.get_string_custom_property('method') == 'kip'
  assert kip_set.get_float_custom_property('steps') == 2.0
