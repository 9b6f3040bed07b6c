"""The DataGate on real statistics: TFX's StatisticsGen, ExampleValidator and
DistributionValidator executors (the last with the curated schema's skew and drift
comparators, components/data_gate/distribution.py) run on splits written in the
pipeline's example format; the gate passes clean data, stops on what Ingest accepts but
the schema does not (a class missing from a split, an eval split whose labels or pixels
are distributed unlike the train split's, a split unlike the last run's), records
allowed anomalies, and checks no drift on a first run or against statistics from
another pipeline root."""

import json
import os
import shutil

import numpy as np
import pytest
from tfx.components.example_validator import executor as validator_executor
from tfx.components.statistics_gen import executor as statistics_executor
from tfx.types import artifact_utils, standard_artifacts
from tfx.types import standard_component_specs as keys

from tfx_distill.contracts.artifacts import write_examples
from tfx_distill.components.data_gate import distribution
from tfx_distill.components.data_gate.executor import Executor
from tfx_distill.components.data_gate.settings import PACKAGED_SCHEMA
from tfx_distill.components.data_gate.spec import CHECK_FILE, DataCheck
from tfx_distill.contracts.errors import DataError
from tfx_distill.contracts.example_format import make_split
from tfx_distill.contracts.sources import load_source

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
  """{eval name: the gate's inputs but the drift check, and the statistics and schema}
  for the train split and that eval split, as one run of the pipeline makes them."""
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
    # The train split and this one as `eval`, as StatisticsGen writes them, under the
    # pipeline root `root/pipeline`.
    pair = artifact(standard_artifacts.ExampleStatistics,
                    str(root / 'pipeline' / f'stats_{name}'), ['train', 'eval'])
    pair.set_string_custom_property('tfx_version', stats.get_string_custom_property(
        'tfx_version'))
    for split, source in (('train', 'train'), ('eval', name)):
      shutil.copytree(os.path.join(stats.uri, f'Split-{source}'),
                      os.path.join(pair.uri, f'Split-{split}'))
    anomalies = artifact(standard_artifacts.ExampleAnomalies, str(root / f'anom_{name}'))
    validator_executor.Executor().Do({'statistics': [pair], 'schema': [schema]},
                                     {'anomalies': [anomalies]}, {'exclude_splits': '[]'})
    skew = validate(pair, pair, schema, root / f'skew_{name}', distribution.SKEW,
                    include_split_pairs=distribution.SKEW_PAIRS)
    found[name] = {'examples': [examples], 'anomalies': [anomalies], 'skew': [skew],
                   'statistics': pair, 'schema': schema}
  return found


def validate(statistics, baseline, schema, uri, comparators, **properties):
  """TFX's DistributionValidator (distribution.Executor): statistics against baseline
  (None: no baseline) with the schema's comparators; its anomalies artifact."""
  anomalies = artifact(standard_artifacts.ExampleAnomalies, str(uri))
  pairs = properties.pop('include_split_pairs', None)
  distribution.Executor().Do(
      {keys.STATISTICS_KEY: [statistics],
       keys.BASELINE_STATISTICS_KEY: [baseline] if baseline is not None else [],
       distribution.SCHEMA_KEY: [schema]},
      {keys.ANOMALIES_KEY: [anomalies]},
      {distribution.COMPARATORS_KEY: comparators, **properties,
       keys.INCLUDE_SPLIT_PAIRS_KEY: json.dumps([list(p) for p in pairs]) if pairs else None})
  return anomalies


def gate_inputs(statistics, name, tmp_path, previous=None, baseline_root=None):
  """The gate's inputs for this eval split, with the drift check against the last run
  whose eval split was `previous` (None: a first run)."""
  case = statistics[name]
  baseline = statistics[previous]['statistics'] if previous else None
  root = baseline_root or os.path.dirname(case['statistics'].uri)
  drift = validate(case['statistics'], baseline, case['schema'], tmp_path / 'drift',
                   distribution.DRIFT, baseline_root=root)
  return {'examples': case['examples'], 'anomalies': case['anomalies'],
          'skew': case['skew'], 'drift': [drift]}


def run_gate(inputs, tmp_path, allow=False):
  check = artifact(DataCheck, str(tmp_path / 'check'))
  Executor().Do(inputs, {'check': [check]},
                {'schema_file': '/schemas/digits.pbtxt', 'allow_anomalies': int(allow)})
  return check


def recorded(check):
  with open(os.path.join(check.uri, CHECK_FILE), encoding='utf-8') as handle:
    return json.load(handle)


def test_clean_data_passes(statistics, tmp_path):
  # A first run: no statistics of an earlier one, so no drift checked (and said so).
  check = run_gate(gate_inputs(statistics, 'clean', tmp_path), tmp_path)
  assert recorded(check) == {
      'schema': '/schemas/digits.pbtxt', 'source': 'npz:/data/new.npz',
      'allow_anomalies': False, 'drift': {'checked': False, 'ignored_baseline': ''},
      'anomalies': []}
  assert check.get_int_custom_property('anomalies') == 0


def test_the_same_data_as_the_last_run_passes(statistics, tmp_path):
  check = run_gate(gate_inputs(statistics, 'clean', tmp_path, previous='clean'), tmp_path)
  assert recorded(check)['drift'] == {'checked': True, 'ignored_baseline': ''}
  assert recorded(check)['anomalies'] == []


def test_skewed_eval_split_stops_the_run(statistics, tmp_path):
  with pytest.raises(DataError) as raised:
    run_gate(gate_inputs(statistics, 'skewed', tmp_path), tmp_path)
  message = str(raised.value)
  assert '\n' not in message
  assert message.startswith('npz:/data/new.npz: the data breaks the schema '
                            '/schemas/digits.pbtxt: 2 anomalies: ')
  # ExampleValidator: the eval split lacks a class; the skew check: its labels are
  # skewed, 0.5 ones in eval against about 0.11 in train.
  assert ("split eval, feature 'label': Low number of unique values (Expected at least "
          '10 unique values but found only 9.)') in message
  assert ("split eval vs train, feature 'label': High Linfty distance between current "
          'and previous (The Linfty distance between current and previous is 0.388667 '
          '(up to six significant digits), above the threshold 0.05. The feature value '
          'with maximum difference is: 1)') in message
  assert message.endswith('rerun with --allow-anomalies to train anyway (the report then '
                          'lists them)')
  assert not os.path.exists(tmp_path / 'check')


def test_inverted_images_stop_the_run(statistics, tmp_path):
  with pytest.raises(DataError, match=r"split eval vs train, feature 'image': High "
                     r'approximate Jensen-Shannon divergence between current and '
                     r'previous \(The approximate Jensen-Shannon divergence between '
                     r'current and previous is 0\.[1-9]'):
    run_gate(gate_inputs(statistics, 'inverted', tmp_path), tmp_path)


def test_a_split_unlike_the_last_runs_stops_the_run(statistics, tmp_path):
  # This run's data is clean, but its eval split is unlike the last run's (half ones).
  with pytest.raises(DataError) as raised:
    run_gate(gate_inputs(statistics, 'clean', tmp_path, previous='skewed'), tmp_path)
  message = str(raised.value)
  assert ': 1 anomaly: ' in message and '\n' not in message
  assert ("split eval vs the last run's eval, feature 'label': High Linfty distance "
          'between current and previous (The Linfty distance between current and '
          'previous is 0.416667') in message


def test_statistics_from_another_pipeline_root_are_no_baseline(statistics, tmp_path):
  # On Vertex the resolver finds the newest statistics of the whole metadata store.
  check = run_gate(gate_inputs(statistics, 'clean', tmp_path, previous='skewed',
                               baseline_root='gs://other-bucket/root'), tmp_path)
  assert recorded(check)['drift'] == {
      'checked': False, 'ignored_baseline': statistics['skewed']['statistics'].uri}
  assert recorded(check)['anomalies'] == []


def test_allowed_anomalies_are_recorded(statistics, tmp_path):
  check = run_gate(gate_inputs(statistics, 'skewed', tmp_path, previous='clean'),
                   tmp_path, allow=True)
  found = recorded(check)
  assert found['allow_anomalies'] is True
  assert [(a['where'], a['feature'], a['severity']) for a in found['anomalies']] == [
      ('split eval', 'label', 'ERROR'), ('split eval vs train', 'label', 'ERROR'),
      ("split eval vs the last run's eval", 'label', 'ERROR')]
  assert check.get_int_custom_property('anomalies') == 3
