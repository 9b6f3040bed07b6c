"""create_pipeline builds every preset without running anything, with the expected nodes."""

import dataclasses
import json

import pytest
import tensorflow_model_analysis as tfma
from tfx.utils import proto_utils

from tfx_distill.components.data_gate.settings import PACKAGED
from tfx_distill.components.training.executor import trained_settings
from tfx_distill.components.training.spec import TUNABLE
from tfx_distill.contracts.identity import TrainingSet
from tfx_distill.contracts.errors import ConfigError
from tfx_distill.pipeline import config as config_lib
from tfx_distill.pipeline.config import PipelinePaths
from tfx_distill.pipeline.pipeline import create_pipeline

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
          'Trainer_full_same_steps_s0', 'Evaluator_full_same_steps_s0',
          'LatestBlessedFullModel'} <= ids
  assert 'Pusher_full_same_steps' not in ids  # a baseline, never served
  assert ('Tuner' in ids) == config.enable_tuner
  trainers = [i for i in ids if i.startswith('Trainer_')]
  longer = {int(m) for m in config.longer_full_runs.split(',') if m}
  assert {f'Trainer_full_{m}x_steps_s0' for m in longer} <= ids
  assert not {i for i in ids if i.startswith(('Evaluator_full_', 'Pusher_full_'))
              and 'x_steps' in i}  # curves to compare with, never evaluated or served
  assert len(trainers) == (len(config.candidates) + 2 + len(longer)) * config.seeds
  without = create_pipeline(config_lib.replace(config, equal_work_baseline=False), PATHS)
  assert not {i for i in node_ids(without) if 'full_same_steps' in i or 'x_steps' in i}


def test_nothing_trains_before_the_data_gate():
  config = config_lib.replace(config_lib.preset('tune'), kip_sets=('a.npz',), seeds=2)
  nodes = {c.id: c for c in create_pipeline(config, PATHS).components}
  gate = nodes['DataGate']
  assert {n.id for n in gate.upstream_nodes} == {
      'Ingest', 'ExampleValidator', 'DistributionValidator_skew',
      'DistributionValidator_drift'}
  # TFX's DistributionValidator with the schema's comparators: eval against train, and
  # every split against the last run's statistics, which are resolved before this
  # run's exist (StatisticsGen waits for the resolver).
  skew, drift = nodes['DistributionValidator_skew'], nodes['DistributionValidator_drift']
  statistics = nodes['StatisticsGen'].outputs['statistics']
  assert skew.inputs['statistics'] is statistics is skew.inputs['baseline_statistics']
  assert json.loads(skew.exec_properties['include_split_pairs']) == [['eval', 'train']]
  assert drift.inputs['statistics'] is statistics
  latest = nodes['LatestStatistics']
  assert drift.inputs['baseline_statistics'] is latest.outputs['statistics']
  assert latest in nodes['StatisticsGen'].upstream_nodes
  assert (skew.exec_properties['comparators'], drift.exec_properties['comparators']) == (
      'skew', 'drift')
  assert drift.exec_properties['baseline_root'] == PATHS.pipeline_root
  for node in (skew, drift):
    assert node.inputs['schema'] is nodes['ImportSchemaGen'].outputs['schema']
  training = [i for i in nodes if i.split('_')[0] in ('Distiller', 'KipImport', 'Tuner',
                                                      'Trainer')]
  assert len(training) == 1 + 3 + 1 + 2 * 7  # Tuner, Distillers, KipImport, Trainers
  for node_id in training:
    assert gate in nodes[node_id].upstream_nodes, node_id
  # The gate checks against the package's curated schema unless told otherwise.
  assert nodes['ImportSchemaGen'].exec_properties['schema_file'] == PACKAGED
  assert nodes['DataGate'].exec_properties['schema_file'] == PACKAGED
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


def test_each_distilled_candidate_publishes_its_set_after_its_pusher():
  config = config_lib.replace(config_lib.preset('demo'), seeds=2,
                              kip_sets=('/data/ConvNet_ssize500.npz',))
  pipeline = create_pipeline(config, PATHS)
  publishers = {c.id: c for c in pipeline.components if c.id.startswith('SetPublisher_')}
  # Imported files and the full set are not re-published.
  assert set(publishers) == {f'SetPublisher_{c.name}' for c in config.candidates}
  assert PATHS.sets_root == '/tmp/never-written/distilled_sets'
  for candidate in config.candidates:
    publisher = publishers[f'SetPublisher_{candidate.name}']
    inputs = {key: (channel.producer_component_id, channel.output_key)
              for key, channel in publisher.inputs.items()}
    assert inputs == {
        'kip_set': (f'Distiller_{candidate.name}', 'kip_set'),
        'model_blessing': (f'Evaluator_{candidate.name}_s0', 'blessing'),
        'evaluation': (f'Evaluator_{candidate.name}_s0', 'evaluation'),
        'pushed_model': (f'Pusher_{candidate.name}', 'pushed_model')}
    properties = publisher.exec_properties
    assert properties['base_directory'] == f'{PATHS.sets_root}/{candidate.name}'
    # The settings that made the set come with it (the KipSet's distill_settings).
    assert set(properties) == {'base_directory', 'code_version'}


def test_a_distiller_takes_only_its_methods_settings():
  config = config_lib.replace(config_lib.preset('smoke'), distill={'width': 16},
                              candidates=tuple(config_lib.Candidate(m, 1) for m in (
                                  'nfr', 'random', 'first', 'herding', 'kip', 'logreg')))
  nodes = {c.id: c for c in create_pipeline(config, PATHS).components}
  common = {'method', 'images_per_class', 'architecture', 'checkpoint_dir', 'code_version'}
  for candidate in config.candidates:
    properties = nodes[f'Distiller_{candidate.name}'].exec_properties
    settings = dataclasses.asdict(config.distill_settings(candidate.method))
    assert set(properties) == common | set(settings), candidate.method
    assert {k: properties[k] for k in settings} == {
        k: int(v) if isinstance(v, bool) else v for k, v in settings.items()}
  assert nodes['Distiller_kip_1'].exec_properties['width'] == 16
  assert 'width' not in nodes['Distiller_nfr_1'].exec_properties
  assert set(nodes['Distiller_first_1'].exec_properties) == common
  assert nodes['Distiller_nfr_1'].exec_properties['steps'] == config.distill.nfr.steps


def test_keep_best_fits_as_the_runs_trainer_trains_small_sets():
  """nfr's keep-best fit takes the run's small-set recipe (steps, batch, peak rate),
  not its own defaults. Mutation caught: pipeline.py given config.distill.settings."""
  config = config_lib.replace(config_lib.preset('smoke'),
                              small_sets={'steps': 70, 'batch_size': 20,
                                          'learning_rate': 1e-3},
                              candidates=(config_lib.Candidate('nfr', 1),))
  properties = {c.id: c for c in create_pipeline(config, PATHS).components}[
      'Distiller_nfr_1'].exec_properties
  assert (properties['eval_fit_steps'], properties['eval_batch'],
          properties['eval_lr']) == (70, 20, 1e-3)


def custom_configs(pipeline):
  """{Trainer: the settings it trains with}: its custom_config with its length and seed
  parameters folded in, as its executor does (components/training)."""
  found = {}
  for c in pipeline.components:
    if c.id.startswith('Trainer_'):
      epochs, small_steps, seed, index = (c.exec_properties[key] for key in TUNABLE)
      work = TrainingSet.from_json(c.exec_properties['training_set']).work
      found[c.id] = trained_settings(json.loads(c.exec_properties['custom_config']),
                                     epochs, small_steps * work, seed, index)
  return found


def test_trainer_gets_the_configured_epochs_and_seed():
  config = config_lib.replace(config_lib.preset('smoke'), train={'epochs': 3}, seeds=2)
  configs = custom_configs(create_pipeline(config, PATHS))
  full = configs['Trainer_full_s1']
  assert full['epochs'] == 3 and full['seed'] == 1 and full['small_set'] is None
  assert configs['Trainer_random_1_s0']['small_set'] == dataclasses.asdict(
      config.small_sets)
  # The full set's epochs are not a small set's setting: changing them keeps the small
  # sets' Trainers (and their cache entries) as they were.
  before = custom_configs(create_pipeline(config_lib.preset('smoke'), PATHS))
  assert before['Trainer_random_1_s0'] == configs['Trainer_random_1_s0']
  assert before['Trainer_full_s0'] != configs['Trainer_full_s0']


def test_every_small_set_gets_the_same_recipe_and_no_epochs_are_precomputed():
  config = config_lib.replace(config_lib.preset('demo'), seeds=1,
                              kip_sets=('/data/ConvNet_ssize500.npz',))
  configs = custom_configs(create_pipeline(config, PATHS))
  longer = {name: configs.pop(name)['small_set']['steps']
            for name in ('Trainer_full_3x_steps_s0', 'Trainer_full_10x_steps_s0')}
  # The longer full-data runs: the same recipe for 3 and 10 times the work.
  assert longer == {'Trainer_full_3x_steps_s0': 3 * config.small_sets.steps,
                    'Trainer_full_10x_steps_s0': 10 * config.small_sets.steps}
  small = {name: settings for name, settings in configs.items() if name != 'Trainer_full_s0'}
  assert set(small) == {'Trainer_random_1_s0', 'Trainer_random_50_s0', 'Trainer_nfr_1_s0',
                        'Trainer_nfr_50_s0', 'Trainer_kipset_0_s0',
                        'Trainer_full_same_steps_s0'}
  # Distilled sets of 10 and 500 images, an imported file of unknown size and the full
  # train split as the equal-work baseline: one custom_config; run_fn sizes the batch
  # on the set it reads (trainer/recipe.py).
  assert all(settings == small['Trainer_nfr_1_s0'] for settings in small.values())
  assert small['Trainer_nfr_1_s0']['small_set']['steps'] == config.small_sets.steps


def test_trainers_and_tuner_read_with_the_ingested_schema():
  pipeline = create_pipeline(config_lib.preset('tune'), PATHS)
  schema_gen = next(c for c in pipeline.components if c.id == 'ImportSchemaGen')
  readers = [c for c in pipeline.components if c.id.startswith('Trainer_') or c.id == 'Tuner']
  assert len(readers) == 7  # the Tuner; full, full_same_steps, full_3x_steps, 3 sets
  for component in readers:
    assert component.inputs['schema'] is schema_gen.outputs['schema'], component.id
    # The Tuner's objective is valid's; a Trainer also records its eval learning curve.
    splits = ['valid'] if component.id == 'Tuner' else ['valid', 'eval']
    assert json.loads(component.exec_properties['eval_args'])['splits'] == splits


def test_full_model_gate_is_no_drop_and_every_gate_bounds_ece():
  config = config_lib.preset('demo')
  pipeline = create_pipeline(config, PATHS)
  evaluators = {c.id: proto_utils.json_to_proto(c.exec_properties['eval_config'],
                                                tfma.EvalConfig())
                for c in pipeline.components if c.id.startswith('Evaluator_')}
  full, candidate = evaluators['Evaluator_full_s0'], evaluators['Evaluator_nfr_50_s0']
  drops = {name: [t.threshold.change_threshold.absolute.value
                  for m in spec.metrics_specs for metric in m.metrics
                  for t in metric.per_slice_thresholds
                  if t.threshold.HasField('change_threshold')]
           for name, spec in (('full', full), ('candidate', candidate))}
  assert drops == {'full': [-0.0], 'candidate': [-config.eval.max_drop]}
  for spec in (full, candidate):
    bounds = [t.threshold.value_threshold.upper_bound.value
              for m in spec.metrics_specs for metric in m.metrics
              if metric.class_name == 'ExpectedCalibrationError'
              for t in metric.per_slice_thresholds]
    assert bounds == [pytest.approx(0.05)]


def test_distillers_get_the_trainers_architecture():
  config = config_lib.replace(config_lib.preset('demo'), train={'architecture': 'kip_convnet'})
  distillers = [c for c in create_pipeline(config, PATHS).components
                if c.id.startswith('Distiller_')]
  assert {c.exec_properties['method'] for c in distillers} == {'random', 'nfr'}
  assert {c.exec_properties['architecture'] for c in distillers} == {'kip_convnet'}


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
