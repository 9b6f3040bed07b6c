"""The DataGate on real statistics: TFX's StatisticsGen and ExampleValidator executors
run on splits written in the pipeline's example format, checked against the package's
curated schema; the gate passes clean data, stops on what Ingest accepts but the schema
does not (a class missing from a split, an eval split whose labels or pixels are
distributed unlike the train split's), and records allowed anomalies."""

import json
import os
import shutil

import numpy as np
import pytest
from tfx.components.example_validator import executor as validator_executor
from tfx.components.statistics_gen import executor as statistics_executor
from tfx.types import artifact_utils, standard_artifacts

from tfx_distill.contracts.artifacts import write_examples
from tfx_distill.components.data_gate.executor import Executor
from tfx_distill.components.data_gate.settings import PACKAGED_SCHEMA
from tfx_distill.components.data_gate.spec import CHECK_FILE, DataCheck
from tfx_distill.contracts.errors import DataError
from tfx_distill.contracts.example_format import make_split
from tfx_distill.components.ingest.sources import load_source

# Eval splits tried against the same train split; 'skewed': half of it ones, no sevens.
EVALS = ('clean', 'skewed', 'inverted')


def artifact(kind, uri, splits=None):
  made = kind()
  made.uri = uri
  if splits is not None:
    made.split_names = artifact_utils.encode_split_names(list(splits))
  return made


@pytest.fixture(scope='module')
def statistics(tmp_path_factory):
  """{eval name: (Examples, ExampleStatistics, ExampleAnomalies)}: train + that eval."""
  root = tmp_path_factory.mktemp('gate')
  data = load_source('sample')
  images, labels = data.images[:1500], data.labels[:1500]
  rest_images, rest_labels = data.images[1500:], data.labels[1500:]
  ones = np.flatnonzero(rest_labels == 1)[:150]
  others = np.flatnonzero((rest_labels != 1) & (rest_labels != 7))[:150]
  splits = {'train': make_split(images, labels),
            'clean': make_split(rest_images[:300], rest_labels[:300]),
            'skewed': make_split(rest_images[np.r_[ones, others]],
                                 rest_labels[np.r_[ones, others]]),
            'inverted': make_split(1.0 - rest_images[:300], rest_labels[:300])}
  examples = artifact(standard_artifacts.Examples, str(root / 'examples'))
  write_examples(examples, splits)
  examples.set_string_custom_property('source', 'npz:/data/new.npz')
  schema = artifact(standard_artifacts.Schema, str(root / 'schema'))
  os.makedirs(schema.uri)
  shutil.copy(PACKAGED_SCHEMA, os.path.join(schema.uri, 'schema.pbtxt'))
  # One StatisticsGen run (one Beam pipeline) over every split.
  stats = artifact(standard_artifacts.ExampleStatistics, str(root / 'stats'))
  statistics_executor.Executor().Do({'examples': [examples], 'schema': [schema]},
                                    {'statistics': [stats]}, {'exclude_splits': '[]'})
  found = {}
  for name in EVALS:
    # The train split and this one as `eval`, as StatisticsGen writes them.
    pair = artifact(standard_artifacts.ExampleStatistics, str(root / f'stats_{name}'),
                    ['train', 'eval'])
    pair.set_string_custom_property('tfx_version', stats.get_string_custom_property(
        'tfx_version'))
    for split, source in (('train', 'train'), ('eval', name)):
      shutil.copytree(os.path.join(stats.uri, f'Split-{source}'),
                      os.path.join(pair.uri, f'Split-{split}'))
    anomalies = artifact(standard_artifacts.ExampleAnomalies, str(root / f'anom_{name}'))
    validator_executor.Executor().Do({'statistics': [pair], 'schema': [schema]},
                                     {'anomalies': [anomalies]}, {'exclude_splits': '[]'})
    found[name] = {'examples': [examples], 'statistics': [pair], 'schema': [schema],
                   'anomalies': [anomalies]}
  return found


def run_gate(inputs, tmp_path, allow=False):
  check = artifact(DataCheck, str(tmp_path / 'check'))
  Executor().Do(inputs, {'check': [check]},
                {'schema_file': '/schemas/digits.pbtxt', 'allow_anomalies': int(allow)})
  return check


def test_clean_data_passes(statistics, tmp_path):
  check = run_gate(statistics['clean'], tmp_path)
  with open(os.path.join(check.uri, CHECK_FILE), encoding='utf-8') as handle:
    recorded = json.load(handle)
  assert recorded == {'schema': '/schemas/digits.pbtxt', 'source': 'npz:/data/new.npz',
                      'allow_anomalies': False, 'anomalies': []}
  assert check.get_int_custom_property('anomalies') == 0


def test_skewed_eval_split_stops_the_run(statistics, tmp_path):
  with pytest.raises(DataError) as raised:
    run_gate(statistics['skewed'], tmp_path)
  message = str(raised.value)
  assert '\n' not in message
  assert message.startswith('npz:/data/new.npz: the data breaks the schema '
                            '/schemas/digits.pbtxt: 2 anomalies: ')
  # ExampleValidator: the eval split lacks a class; the gate: its labels are skewed.
  assert ("split eval, feature 'label': Low number of unique values (Expected at least "
          '10 unique values but found only 9.)') in message
  # 0.5 ones in eval against about 0.11 in train.
  assert ("split eval vs train, feature 'label': High Linfty distance between training "
          'and serving (The Linfty distance between training and serving is '
          '0.38') in message
  assert message.endswith('rerun with --allow-anomalies to train anyway (the report then '
                          'lists them)')
  assert not os.path.exists(tmp_path / 'check')


def test_inverted_images_stop_the_run(statistics, tmp_path):
  with pytest.raises(DataError, match=r"split eval vs train, feature 'image': High "
                     r'approximate Jensen-Shannon divergence between training and '
                     r'serving \(The approximate Jensen-Shannon divergence between '
                     r'training and serving is 0\.[1-9]'):
    run_gate(statistics['inverted'], tmp_path)


def test_allowed_anomalies_are_recorded(statistics, tmp_path):
  check = run_gate(statistics['skewed'], tmp_path, allow=True)
  with open(os.path.join(check.uri, CHECK_FILE), encoding='utf-8') as handle:
    recorded = json.load(handle)
  assert recorded['allow_anomalies'] is True
  assert [(a['where'], a['feature'], a['severity']) for a in recorded['anomalies']] == [
      ('split eval', 'label', 'ERROR'), ('split eval vs train', 'label', 'ERROR')]
  assert check.get_int_custom_property('anomalies') == 2
