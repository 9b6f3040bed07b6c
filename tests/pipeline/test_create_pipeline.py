"""create_pipeline builds every preset without running anything, with the expected nodes."""

import pytest

from tfx_distill.components.errors import ConfigError
from tfx_distill.pipeline import config as config_lib
from tfx_distill.pipeline.config import PipelinePaths
from tfx_distill.pipeline.pipeline import create_pipeline
from tfx_distill.trainer.settings import SmallSetTraining

PATHS = PipelinePaths(pipeline_root='/tmp/never-written/pipeline',
                      serving_root='/tmp/never-written/serving')


def node_ids(pipeline):
  return {component.id for component in pipeline.components}


@pytest.mark.parametrize('name', sorted(config_lib.PRESETS))
def test_every_preset_builds(name):
  config = config_lib.preset(name)
  ids = node_ids(create_pipeline(config, PATHS))
  for candidate in config.candidates:
    assert {f'Distiller_{candidate.name}', f'Trainer_{candidate.name}_s0',
            f'Evaluator_{candidate.name}_s0', f'Pusher_{candidate.name}'} <= ids
  assert {'Ingest', 'StatisticsGen', 'ImportSchemaGen', 'ExampleValidator', 'DataGate',
          'Trainer_full_s0', 'Evaluator_full_s0', 'Pusher_full',
          'LatestBlessedFullModel'} <= ids
  assert ('Tuner' in ids) == config.enable_tuner
  trainers = [i for i in ids if i.startswith('Trainer_')]
  assert len(trainers) == (len(config.candidates) + 1) * config.seeds


def test_nothing_trains_before_the_data_gate():
  config = config_lib.replace(config_lib.preset('tune'), kip_sets=('a.npz',), seeds=2)
  nodes = {c.id: c for c in create_pipeline(config, PATHS).components}
  gate = nodes['DataGate']
  assert {n.id for n in gate.upstream_nodes} == {'Ingest', 'StatisticsGen',
                                                 'ImportSchemaGen', 'ExampleValidator'}
  training = [i for i in nodes if i.split('_')[0] in ('Distiller', 'KipImport', 'Tuner',
                                                      'Trainer')]
  assert len(training) == 1 + 2 + 1 + 2 * 4
  for node_id in training:
    assert gate in nodes[node_id].upstream_nodes, node_id
  # The gate checks against the package's curated schema unless told otherwise.
  assert nodes['ImportSchemaGen'].exec_properties['schema_file'] == PATHS.packaged_schema
  assert nodes['DataGate'].exec_properties['schema_file'] == PATHS.packaged_schema
  assert nodes['DataGate'].exec_properties['allow_anomalies'] == 0


def test_schema_infer_or_a_given_file():
  inferred = create_pipeline(config_lib.replace(
      config_lib.preset('smoke'), validation={'schema_file': 'infer'}), PATHS)
  ids = node_ids(inferred)
  assert 'SchemaGen' in ids and 'ImportSchemaGen' not in ids
  given = {c.id: c for c in create_pipeline(config_lib.replace(
      config_lib.preset('smoke'), validation={'schema_file': 'gs://b/schema.pbtxt',
                                              'allow_anomalies': True}), PATHS).components}
  assert given['ImportSchemaGen'].exec_properties['schema_file'] == 'gs://b/schema.pbtxt'
  assert given['DataGate'].exec_properties['allow_anomalies'] == 1


def test_kip_sets_and_seeds_add_models():
  config = config_lib.replace(config_lib.preset('smoke'), kip_sets=('a.npz', 'gs://b/c.npz'),
                              seeds=2)
  ids = node_ids(create_pipeline(config, PATHS))
  assert {'KipImport_0', 'KipImport_1', 'Trainer_kipset_1_s1', 'Evaluator_kipset_0_s1',
          'Pusher_kipset_1'} <= ids
  assert 'Pusher_kipset_1_s1' not in ids


def test_trainer_gets_the_configured_epochs_and_seed():
  config = config_lib.replace(config_lib.preset('smoke'), train={'epochs': 3}, seeds=2)
  pipeline = create_pipeline(config, PATHS)
  trainers = {c.id: c for c in pipeline.components if c.id.startswith('Trainer_')}
  full = trainers['Trainer_full_s1'].exec_properties['custom_config']
  assert '"epochs": 3' in full and '"seed": 1' in full
  small = trainers['Trainer_random_1_s0'].exec_properties['custom_config']
  assert f'"epochs": {config.small_sets.epochs}' in small
  assert '"augment": true' in small and '"augment": false' in full


def test_larger_small_sets_get_fewer_epochs():
  small_sets = SmallSetTraining(epochs=300, max_passes=50_000)
  assert [small_sets.epochs_for(n) for n in (10, 100, 500, 60_000)] == [300, 300, 100, 1]
  config = config_lib.replace(config_lib.preset('demo'), seeds=1)
  trainers = {c.id: c for c in create_pipeline(config, PATHS).components
              if c.id.startswith('Trainer_')}
  assert '"epochs": 100' in trainers['Trainer_kip_50_s0'].exec_properties['custom_config']
  assert '"epochs": 300' in trainers['Trainer_kip_1_s0'].exec_properties['custom_config']


@pytest.mark.parametrize('changes,message', [
    ({'train': {'strategy': 'gpu'}}, 'train.strategy must be one of'),
    ({'ingest': {'eval_fraction': 1.5}}, 'ingest.eval_fraction must be in (0, 1)'),
    ({'eval': {'max_drop': -0.1}}, 'eval.max_drop must be in [0, 1]'),
    ({'name': 'tfx_distill'}, 'name must match'),
    ({'candidates': (config_lib.Candidate('kip', 0),)}, 'images per class must be >= 1'),
    ({'candidates': (), 'kip_sets': ()}, 'at least one candidate'),
])
def test_bad_config_names_the_field(changes, message):
  config = config_lib.replace(config_lib.preset('smoke'), **changes)
  with pytest.raises(ConfigError, match=message.replace('(', r'\(').replace(
      ')', r'\)').replace('[', r'\[').replace(']', r'\]')):
    create_pipeline(config, PATHS)
