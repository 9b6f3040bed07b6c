"""The SetPublisher's executor on artifacts built in a temporary directory: a blessed
candidate's set is published byte for byte beside its pushed model's version with its
JSON record; an unblessed one publishes nothing; versions are never overwritten."""

import dataclasses
import datetime
import hashlib
import importlib.metadata
import json
import os

import numpy as np
import pytest
from tfx.types import standard_artifacts

from tfx_distill.contracts import kip_format
from tfx_distill.components.distiller.settings import KipSettings
from tfx_distill.components.distiller.spec import KipSet
from tfx_distill.contracts.errors import DataError
from tfx_distill.components.set_publisher.executor import Executor
from tfx_distill.components.set_publisher.spec import PublishedSet
from tests.report.fake_run import write_evaluation

SETTINGS = KipSettings(steps=7, width=16, num_networks=1, seed=3, time_budget_s=30.0)
VERSION = '1700000000'


def _artifact(cls, uri, **properties):
  artifact = cls()
  artifact.uri = str(uri)
  os.makedirs(artifact.uri, exist_ok=True)
  setters = {int: artifact.set_int_custom_property,
             float: artifact.set_float_custom_property}
  for name, value in properties.items():
    setters.get(type(value), artifact.set_string_custom_property)(name, value)
  return artifact


def _inputs(tmp_path, tag, blessed=True, version=VERSION, seed=0):
  """The four inputs of one candidate (kip, 1 image per class); the set's arrays."""
  rng = np.random.default_rng(seed)
  images = rng.normal(size=(10, 28, 28, 1)).astype(np.float32)
  labels = (np.eye(10) - 0.1 + rng.normal(0, 0.05, (10, 10))).astype(np.float32)
  kip_set = _artifact(KipSet, tmp_path / f'Distiller_kip_1/kip_set/{tag}', method='kip',
                      images_per_class=1, steps=7.0, stopped_by_budget=1.0,
                      final_loss=0.25,
                      distill_result=json.dumps({'final_loss': 0.25, 'steps': 7.0,
                                                 'stopped_by_budget': 1.0}),
                      distill_settings=json.dumps(dataclasses.asdict(SETTINGS)))
  kip_format.save(os.path.join(kip_set.uri, 'kip_set.npz'), images, labels)
  evaluation = _artifact(standard_artifacts.ModelEvaluation,
                         tmp_path / f'Evaluator_kip_1_s0/evaluation/{tag}')
  write_evaluation(evaluation.uri, 0.86, 0.97, [0.86] * 10, floor=0.5, max_drop=0.2,
                   ece=0.04)
  blessing = _artifact(standard_artifacts.ModelBlessing,
                       tmp_path / f'Evaluator_kip_1_s0/blessing/{tag}',
                       blessed=int(blessed))
  serving = str(tmp_path / 'serving' / 'kip_1' / version)
  pushed = _artifact(standard_artifacts.PushedModel,
                     tmp_path / f'Pusher_kip_1/pushed_model/{tag}', pushed=int(blessed),
                     **({'pushed_destination': serving, 'pushed_version': version}
                        if blessed else {}))
  return {'kip_set': [kip_set], 'model_blessing': [blessing], 'evaluation': [evaluation],
          'pushed_model': [pushed]}, (images, labels)


def _publish(tmp_path, inputs, tag):
  published = _artifact(PublishedSet, tmp_path / f'SetPublisher_kip_1/published_set/{tag}')
  Executor().Do(inputs, {'published_set': [published]},
                {'base_directory': str(tmp_path / 'distilled_sets' / 'kip_1')})
  return published


def _source(inputs):
  return os.path.join(inputs['kip_set'][0].uri, 'kip_set.npz')


def _read(path):
  with open(path, 'rb') as f:
    return f.read()


def test_blessed_set_is_published_beside_its_model(tmp_path):
  inputs, (images, labels) = _inputs(tmp_path, '1')
  published = _publish(tmp_path, inputs, '2')
  target = str(tmp_path / 'distilled_sets' / 'kip_1' / VERSION)
  assert published.get_int_custom_property('published') == 1
  assert published.get_string_custom_property('published_to') == target
  assert published.get_string_custom_property('published_version') == VERSION
  assert sorted(os.listdir(os.path.dirname(target))) == [VERSION]  # no temporary left
  assert sorted(os.listdir(target)) == ['kip_set.json', 'kip_set.npz']
  assert _read(os.path.join(target, 'kip_set.npz')) == _read(_source(inputs))
  with np.load(os.path.join(target, 'kip_set.npz'), allow_pickle=False) as archive:
    np.testing.assert_array_equal(archive['images'], images)
    np.testing.assert_array_equal(archive['labels'], labels)
  with open(os.path.join(target, 'kip_set.json'), encoding='utf-8') as f:
    record = json.load(f)
  assert (record['training_set'], record['method'], record['images_per_class'],
          record['images']) == ('kip_1', 'kip', 1, 10)
  assert record['sha256'] == hashlib.sha256(_read(_source(inputs))).hexdigest()
  assert record['seed'] == 3
  assert record['distill_settings'] == dataclasses.asdict(SETTINGS)
  assert record['distill_result'] == {'final_loss': 0.25, 'steps': 7,
                                      'stopped_by_budget': True}
  assert record['evaluation']['accuracy'] == pytest.approx(0.86)
  assert record['evaluation']['expected_calibration_error'] == pytest.approx(0.04)
  assert record['evaluation']['example_count'] == 100
  assert record['pushed_model'] == {'path': str(tmp_path / 'serving/kip_1' / VERSION),
                                    'version': VERSION}
  assert record['package_version'] == importlib.metadata.version('tfx-distill')
  created = datetime.datetime.fromisoformat(record['created_at'])
  assert abs(datetime.datetime.now(datetime.timezone.utc) - created).total_seconds() < 600
  # The artifact keeps its own copy of what was published.
  assert _read(os.path.join(published.uri, 'kip_set.json')) == _read(
      os.path.join(target, 'kip_set.json'))


def test_unblessed_set_is_not_published(tmp_path):
  inputs, _ = _inputs(tmp_path, '1', blessed=False)
  published = _publish(tmp_path, inputs, '2')
  assert published.get_int_custom_property('published') == 0
  assert not published.has_custom_property('published_to')
  assert not os.path.exists(tmp_path / 'distilled_sets')
  assert os.listdir(published.uri) == []


def test_two_publishes_make_two_versions(tmp_path):
  first, _ = _inputs(tmp_path, '1', version=VERSION, seed=0)
  second, _ = _inputs(tmp_path, '2', version='1700000001', seed=1)
  paths = [_publish(tmp_path, inputs, tag).get_string_custom_property('published_to')
           for inputs, tag in ((first, '3'), (second, '4'))]
  base = tmp_path / 'distilled_sets' / 'kip_1'
  assert paths == [str(base / VERSION), str(base / '1700000001')]
  assert sorted(os.listdir(base)) == [VERSION, '1700000001']
  for inputs, path in zip((first, second), paths):
    assert _read(os.path.join(path, 'kip_set.npz')) == _read(_source(inputs))
  assert _read(os.path.join(paths[0], 'kip_set.npz')) != _read(
      os.path.join(paths[1], 'kip_set.npz'))


def test_a_taken_version_is_never_overwritten(tmp_path):
  inputs, _ = _inputs(tmp_path, '1')
  first = _publish(tmp_path, inputs, '2').get_string_custom_property('published_to')
  record = _read(os.path.join(first, 'kip_set.json'))
  # The same set again (the step re-ran for a cached push): the version is kept.
  again = _publish(tmp_path, inputs, '3')
  assert again.get_string_custom_property('published_to') == first
  assert _read(os.path.join(first, 'kip_set.json')) == record
  # Another set for the same model version: refused, the published one untouched.
  other, _ = _inputs(tmp_path, '4', seed=1)
  with pytest.raises(DataError, match='already holds a different set'):
    _publish(tmp_path, other, '5')
  assert _read(os.path.join(first, 'kip_set.npz')) == _read(_source(inputs))
  assert sorted(os.listdir(os.path.dirname(first))) == [os.path.basename(first)]
