"""The Distiller executor on artifacts in temporary directories."""

import dataclasses
import json
import os

import numpy as np
from tfx.types import standard_artifacts

from tfx_distill.contracts.artifacts import read_examples, write_examples
from tfx_distill.contracts import kip_format
from tfx_distill.components.distiller.checkpoint import execution_checkpoint
from tfx_distill.components.distiller.executor import Executor
from tfx_distill.components.distiller.job import Job
from tfx_distill.components.distiller.kip import run_kip
from tfx_distill.components.distiller.settings import KipSettings
from tfx_distill.components.distiller.spec import KIP_SET_FILE, KipSet
from tfx_distill.contracts.parameters import from_properties, to_parameters
from tfx_distill.contracts.example_format import make_split, unstandardise


def write_ingested(tmp_path):
  """Ingested Examples of 60 synthetic digits (6 per class) and their valid split."""
  rng = np.random.default_rng(0)
  labels = np.repeat(np.arange(10), 6)
  images = rng.uniform(0, 0.1, (60, 28, 28)).astype(np.float32)
  images[np.arange(60), 3 + 2 * labels, 5:22] = 1.0
  examples = standard_artifacts.Examples()
  examples.uri = str(tmp_path / 'examples')
  valid = make_split(images[:10], labels[:10])
  write_examples(examples, {'train': make_split(images, labels), 'valid': valid,
                            'eval': make_split(images[10:20], labels[10:20])})
  return examples, valid


def run_executor(tmp_path, examples, settings, name, **extra):
  """The executor's KIP run of one image per class; returns its artifacts."""
  distilled, kip_set = standard_artifacts.Examples(), KipSet()
  distilled.uri, kip_set.uri = str(tmp_path / name / 'distilled'), str(tmp_path / name / 'kip')
  Executor().Do({'examples': [examples]}, {'distilled': [distilled], 'kip_set': [kip_set]},
                dict(method='kip', images_per_class=1, **to_parameters(settings), **extra))
  return distilled, kip_set


def test_distiller_writes_examples_and_a_kip_file(tmp_path):
  examples, valid = write_ingested(tmp_path)
  settings = KipSettings(steps=2, target_batch=30, num_networks=1, width=16)
  properties = dict(method='kip', images_per_class=1, **to_parameters(settings))
  assert properties['learn_labels'] == 1 and from_properties(KipSettings,
                                                             properties) == settings
  distilled, kip_set = run_executor(tmp_path, examples, settings, 'run')
  saved = kip_format.load(os.path.join(kip_set.uri, KIP_SET_FILE))
  split = read_examples(distilled, 'train')
  assert saved.images.shape == (10, 28, 28, 1)
  np.testing.assert_array_equal(split.labels, np.arange(10))
  np.testing.assert_allclose(split.images, unstandardise(saved.images[..., 0]), atol=1e-6)
  np.testing.assert_array_equal(split.label_vectors, saved.labels)
  np.testing.assert_array_equal(read_examples(distilled, 'valid').images, valid.images)
  # The eval split comes along for the Trainer's learning curve.
  np.testing.assert_array_equal(read_examples(distilled, 'eval').labels,
                                read_examples(examples, 'eval').labels)
  assert distilled.get_string_custom_property('method') == 'kip'
  assert kip_set.get_float_custom_property('steps') == 2.0
  # The method's settings, for the SetPublisher's record.
  assert json.loads(kip_set.get_string_custom_property('distill_settings')) == (
      dataclasses.asdict(settings))
  # What the set cost to make, on both outputs and in the result the SetPublisher
  # records (kip_set.json).
  result = json.loads(kip_set.get_string_custom_property('distill_result'))
  for artifact in (distilled, kip_set):
    seconds = artifact.get_float_custom_property('distill_seconds')
    assert seconds == result['distill_seconds'] and 0 < seconds < 600
    assert artifact.get_float_custom_property('distill_cpu_seconds') > 0
  assert result['steps'] == 2.0


def test_a_killed_execution_resumes_from_its_checkpoint(tmp_path, capsys):
  examples, _ = write_ingested(tmp_path)
  settings = KipSettings(steps=4, target_batch=30, num_networks=1, width=16)
  _, whole = run_executor(tmp_path, examples, settings, 'whole')
  assert 'step 4/4' in capsys.readouterr().err
  # What an execution killed after 2 of its 4 steps leaves in the checkpoint directory.
  directory = str(tmp_path / 'checkpoints')
  left = execution_checkpoint(directory, settings, 'kip', 1, examples.uri)
  pool = read_examples(examples, 'train')
  run_kip(Job(pool.images, pool.labels, 1, checkpoint=left.save),
          dataclasses.replace(settings, steps=2))
  state = left.load()
  assert state.step == 2
  state.elapsed_s = 1000.0  # a mark only the resumed run can carry
  left.save(state)
  distilled, resumed = run_executor(tmp_path, examples, settings, 'resumed',
                                    checkpoint_dir=directory)
  assert distilled.get_int_custom_property('resumed_from_step') == 2
  assert resumed.get_float_custom_property('kip_time_s') >= 1000.0
  # The wall time the killed execution had spent counts in what the set cost.
  assert resumed.get_float_custom_property('distill_seconds') >= 1000.0
  assert (open(os.path.join(resumed.uri, KIP_SET_FILE), 'rb').read() ==
          open(os.path.join(whole.uri, KIP_SET_FILE), 'rb').read())
  assert not os.listdir(directory)  # removed once the set is written
  err = capsys.readouterr().err
  assert 'step 4/4' in err and 'ETA' in err


def test_another_pool_or_setting_does_not_resume_a_checkpoint(tmp_path):
  examples, _ = write_ingested(tmp_path)
  settings = KipSettings(steps=4, target_batch=30, num_networks=1, width=16)
  directory = str(tmp_path / 'checkpoints')
  paths = {execution_checkpoint(directory, s, 'kip', 1, uri).path
           for s, uri in ((settings, examples.uri), (settings, examples.uri + 'x'),
                          (dataclasses.replace(settings, steps=5), examples.uri),
                          (dataclasses.replace(settings, seed=1), examples.uri))}
  assert len(paths) == 4
  assert execution_checkpoint(directory, settings, 'random', 1, examples.uri) is None
  assert execution_checkpoint('', settings, 'kip', 1, examples.uri) is None


def test_a_run_that_returns_its_initial_support_says_so(tmp_path, monkeypatch):
  """Keep-best returned step 0 (real images): a warning names it, and the set's record
  (the artifacts' properties, which kip_set.json copies) carries it."""
  from absl import logging  # pylint: disable=g-import-not-at-top
  from tfx_distill.components.distiller import executor as executor_lib  # pylint: disable=g-import-not-at-top
  examples, _ = write_ingested(tmp_path)
  real = executor_lib.distill

  def initial_support(*args, **kwargs):
    result = real(*args, **kwargs)
    result.info.update(returned_step=0.0, returned_initial_support=1.0, best_score=0.9,
                       last_score=0.8)
    return result

  warned = []
  monkeypatch.setattr(executor_lib, 'distill', initial_support)
  monkeypatch.setattr(logging, 'warning', lambda message, *a: warned.append(message % a))
  settings = KipSettings(steps=2, target_batch=30, num_networks=1, width=16)
  _, kip_set = run_executor(tmp_path, examples, settings, 'initial')
  (line,) = [w for w in warned if 'initial support' in w]
  assert line.startswith('Distiller kip 1 per class: keep-best returned the initial support')
  assert kip_set.get_float_custom_property('returned_initial_support') == 1.0
  assert kip_set.get_float_custom_property('returned_step') == 0.0
