"""What TFX's cache sees besides the settings (pipeline/cache_keys.py), counted from ML
Metadata: five partial runs (LocalDagRunner `to_nodes`: Ingest, KipImport_0,
Distiller_random_1, Trainer_random_1_s0) of a tiny config on one pipeline root.

1. a fresh run executes every node;
2. the same run again reuses every node;
3. the --data file rewritten at the same path: Ingest runs again (and what reads it);
4. the --kip-set file rewritten at the same path: KipImport runs again, nothing else;
5. the Trainer's code changed: the Trainer runs again, nothing upstream of it.
"""

import dataclasses

import numpy as np
import pytest
from tfx import v1 as tfx
from tfx.orchestration.pipeline import RunOptions

from tfx_distill.contracts import kip_format
from tfx_distill.contracts.example_format import plain_label_vectors, standardise
from tfx_distill.contracts.sources import load_source
from tfx_distill.pipeline import config as config_lib
from tfx_distill.pipeline.cache_keys import cache_keys
from tfx_distill.pipeline.local_runner import local_paths
from tfx_distill.pipeline.pipeline import create_pipeline
from tests.run_history import open_store, runs

# The nodes up to the two targets: Ingest, the schema and the data checks, the import,
# the distiller and the trainer; and the resolver of the last run's statistics (a
# resolver's execution is neither cached nor complete on a first run: no statistics).
NODES = ('Ingest', 'ImportSchemaGen', 'StatisticsGen', 'ExampleValidator',
         'DistributionValidator_skew', 'DistributionValidator_drift', 'DataGate',
         'KipImport_0', 'Distiller_random_1', 'Trainer_random_1_s0')
RESOLVERS = ('LatestStatistics',)


def write_digits(path, offset):
  """300 real digits (30 per class) as an npz source; `offset` picks other ones."""
  data = load_source('sample')
  idx = np.concatenate([np.flatnonzero(data.labels == c)[offset:offset + 30]
                        for c in range(10)])
  np.savez(path, x=np.round(data.images[idx] * 255).astype(np.uint8), y=data.labels[idx])


def write_kip_set(path, offset):
  data = load_source('sample')
  idx = [int(np.flatnonzero(data.labels == c)[offset]) for c in range(10)]
  kip_format.save(str(path), standardise(data.images[idx])[..., None],
                  plain_label_vectors(data.labels[idx]))


def run_partial(config, root, keys):
  paths = local_paths(root)
  pipeline = create_pipeline(
      config, paths, cache_keys=keys,
      metadata_connection_config=tfx.orchestration.metadata
      .sqlite_metadata_connection_config(paths.metadata_path))
  tfx.orchestration.LocalDagRunner().run(pipeline, run_options=RunOptions(
      to_nodes=['KipImport_0', 'Trainer_random_1_s0']))
  return {node: execution.state for node, execution in runs(paths.metadata_path)[-1].items()}


@pytest.fixture(scope='module')
def history(tmp_path_factory):
  tmp = tmp_path_factory.mktemp('cache_keys')
  root = str(tmp / 'root')
  data, kip_set = tmp / 'digits.npz', tmp / 'kip.npz'
  write_digits(data, 0)
  write_kip_set(kip_set, 0)
  config = config_lib.replace(
      config_lib.preset('smoke'), candidates=(config_lib.Candidate('random', 1),),
      kip_sets=(str(kip_set),), ingest={'data': f'npz:{data}', 'max_examples': 0},
      small_sets={'steps': 5}, equal_work_baseline=False)
  keys = cache_keys(config.ingest, config.kip_sets)
  states = [run_partial(config, root, keys), run_partial(config, root, keys)]
  write_digits(data, 30)  # other digits, same path
  keys_new_data = cache_keys(config.ingest, config.kip_sets)
  states.append(run_partial(config, root, keys_new_data))
  write_kip_set(kip_set, 1)
  keys_new_kip = cache_keys(config.ingest, config.kip_sets)
  states.append(run_partial(config, root, keys_new_kip))
  new_trainer = dict(keys_new_kip.code, training=keys_new_kip.code['training'] + '-edited')
  states.append(run_partial(config, root,
                            dataclasses.replace(keys_new_kip, code=new_trainer)))
  return {'states': states, 'keys': [keys, keys_new_data, keys_new_kip], 'root': root}


def ran(states):
  assert set(states) == set(NODES + RESOLVERS), states
  states = {node: state for node, state in states.items() if node not in RESOLVERS}
  assert set(states.values()) <= {'COMPLETE', 'CACHED'}, states
  return {node for node, state in states.items() if state == 'COMPLETE'}


def test_first_run_executes_and_an_identical_run_reuses_all_but_the_drift_check(history):
  first, second = history['states'][:2]
  assert ran(first) == set(NODES)
  # But for the drift check, whose baseline is now the first run's statistics (it had
  # none), and the DataGate that reads its result.
  assert ran(second) == {'DistributionValidator_drift', 'DataGate'}


def test_a_changed_data_file_at_the_same_path_reruns_ingest(history):
  before, after = history['keys'][:2]
  assert before.data != after.data and before.kip_sets == after.kip_sets
  # Ingest, and whatever reads its new Examples (statistics, checks, the KipImport that
  # copies their valid split...); the established schema file is the same.
  assert ran(history['states'][2]) == set(NODES) - {'ImportSchemaGen'}


def test_a_changed_kip_set_at_the_same_path_reruns_only_its_import(history):
  before, after = history['keys'][1:3]
  assert before.kip_sets != after.kip_sets and before.data == after.data
  # And the drift check, whose baseline is now the statistics of the run before (the
  # changed data's, which this run's are), and the DataGate that reads it.
  assert ran(history['states'][3]) == {'KipImport_0', 'DistributionValidator_drift',
                                       'DataGate'}


def test_changed_trainer_code_reruns_the_trainer_and_nothing_upstream(history):
  assert ran(history['states'][4]) == {'Trainer_random_1_s0'}


def test_drift_is_checked_from_the_second_run_on(history):
  # The DataGate's records, one per execution: the first run had no earlier statistics;
  # the second compared with the first's, the third (new data) too, the fourth with the
  # third's; the fifth reused the fourth's.
  store = open_store(local_paths(history['root']).metadata_path)
  checks = sorted(store.get_artifacts_by_type('tfx_distill.DataCheck'), key=lambda a: a.id)
  assert [a.custom_properties['drift_checked'].int_value for a in checks] == [0, 1, 1, 1]
