"""Compiled pipelines are tunable at submission: the runtime parameters appear in the
compiled spec (root inputs with their defaults, runtimeConfig parameter values, each
task's inputs) with the config's values, and the tunable Trainer and Evaluator fold
them in as the pipeline's own settings would. That they reach the executors of a run:
test_container_entrypoint.py."""

import dataclasses
import json
from unittest import mock

import pytest
from tfx.extensions.google_cloud_ai_platform.trainer import executor as vertex_executor
from tfx.orchestration import data_types
from tfx.types import standard_artifacts

from tfx_distill.components.data_gate.settings import PACKAGED
from tfx_distill.contracts.errors import ConfigError
from tfx_distill.blessing.eval_config import with_thresholds
from tfx_distill.components.training import executor as training_executor
from tfx_distill.contracts import identity
from tfx_distill.kubeflow import runtime_parameters
from tfx_distill.kubeflow.compile import kfp_package_path
from tfx_distill.kubeflow.deployment import Deployment
from tfx_distill.kubeflow.vertex_training import (VertexExecutor, VertexTraining,
                                                   vertex_custom_config)
from tfx_distill.pipeline import config as config_lib
from tfx_distill.pipeline.config import PipelinePaths
from tfx_distill.blessing.eval_config import eval_config
from tfx_distill.pipeline.kubeflow_runner import compile_job
from tfx_distill.pipeline.pipeline import create_pipeline
from tfx_distill.trainer.settings import TrainSettings, from_config

# The smoke preset's values (pipeline/config.py), as the compiled defaults.
SMOKE = {'data': 'sample', 'max_examples': 2000, 'split_seed': 0,
         'schema_file': PACKAGED, 'allow_anomalies': 0, 'steps': 5,
         'distill_seed': 0, 'time_budget': 0.0, 'epochs': 2, 'small_steps': 30,
         'train_seed': 0, 'full_min_accuracy': 0.5, 'candidate_min_accuracy': 0.1,
         'max_drop': 0.9, 'full_max_drop': 0.0}
TYPES = {str: 'STRING', int: 'NUMBER_INTEGER', float: 'NUMBER_DOUBLE'}
PATHS = PipelinePaths(pipeline_root='gs://b/r', serving_root='gs://b/r/serving')


@pytest.fixture(scope='module')
def smoke_job(tmp_path_factory):
  out = tmp_path_factory.mktemp('job') / 'smoke.json'
  job = compile_job(config_lib.preset('smoke'),
                    Deployment('kubeflow', 'gs://b/r', 'image'), str(out))
  return job, kfp_package_path(str(out))


def task_inputs(job, task):
  return job['pipelineSpec']['root']['dag']['tasks'][task]['inputs']['parameters']


def test_parameters_and_defaults_in_the_spec(smoke_job):
  job, _ = smoke_job
  declared = job['pipelineSpec']['root']['inputDefinitions']['parameters']
  assert set(declared) == set(SMOKE)
  for name, value in SMOKE.items():
    assert declared[name] == {'parameterType': TYPES[type(value)], 'defaultValue': value,
                              'isOptional': True}, name
  assert job['runtimeConfig']['parameterValues'] == SMOKE
  # Every task input that names a parameter names a declared one.
  for task in job['pipelineSpec']['root']['dag']['tasks'].values():
    for value in task.get('inputs', {}).get('parameters', {}).values():
      assert value.get('componentInputParameter', 'data') in declared


@pytest.mark.parametrize('task,wiring', [
    ('Ingest', {'data': 'data', 'max_examples': 'max_examples', 'seed': 'split_seed'}),
    ('ImportSchemaGen', {'schema_file': 'schema_file'}),
    ('DataGate', {'schema_file': 'schema_file', 'allow_anomalies': 'allow_anomalies'}),
    ('Distiller_kip_1', {'steps': 'steps', 'seed': 'distill_seed',
                         'time_budget_s': 'time_budget'}),
    ('Distiller_nfr_1', {'steps': 'steps', 'seed': 'distill_seed',
                         'time_budget_s': 'time_budget'}),
    ('Distiller_random_1', {'seed': 'distill_seed'}),  # random has no steps
    ('Trainer_full_s0', {'epochs': 'epochs', 'seed': 'train_seed'}),
    ('Trainer_kip_1_s0', {'small_steps': 'small_steps', 'seed': 'train_seed'}),
    ('Evaluator_full_s0', {'min_accuracy': 'full_min_accuracy',
                           'max_drop': 'full_max_drop'}),
    ('Evaluator_random_1_s0', {'min_accuracy': 'candidate_min_accuracy',
                               'max_drop': 'max_drop'}),
])
def test_each_task_takes_its_parameters(smoke_job, task, wiring):
  job, _ = smoke_job
  inputs = task_inputs(job, task)
  taken = {key: value['componentInputParameter'] for key, value in inputs.items()
           if 'componentInputParameter' in value}
  assert taken == wiring


def test_trainers_keep_their_fixed_values(smoke_job):
  job, _ = smoke_job
  constants = {task: {key: task_inputs(job, task)[key]['runtimeValue']['constant']
                      for key in fixed}
               for task, fixed in (('Trainer_full_s0', ('small_steps', 'seed_index')),
                                   ('Trainer_kip_1_s0', ('epochs', 'seed_index')))}
  assert constants == {'Trainer_full_s0': {'small_steps': 0, 'seed_index': 0},
                       'Trainer_kip_1_s0': {'epochs': 0, 'seed_index': 0}}


def test_the_kfp_package_carries_the_defaults(smoke_job):
  from kfp.client.client import _extract_pipeline_yaml  # pylint: disable=g-import-not-at-top
  _, package = smoke_job
  inputs = _extract_pipeline_yaml(package).pipeline_spec.root.input_definitions.parameters
  assert inputs['epochs'].default_value.number_value == 2
  assert inputs['data'].default_value.string_value == 'sample'
  assert inputs['schema_file'].is_optional


def parameterized(config):
  """(the defaults of the parameters its nodes take, {node id: node}) of a pipeline
  built from config with its runtime parameters, without compiling."""
  pipeline = create_pipeline(config, PATHS,
                             runtime=runtime_parameters.runtime_parameters(config))
  defaults = runtime_parameters.used_defaults(pipeline)
  return defaults, {node.id: node for node in pipeline.components}


def test_defaults_follow_the_config():
  config = config_lib.replace(
      config_lib.preset('demo'), train={'epochs': 5, 'seed': 3},
      eval={'max_drop': 0.02}, ingest={'data': 'tfds:mnist'},
      validation={'schema_file': 'gs://b/schema.pbtxt', 'allow_anomalies': True}, seeds=2)
  defaults, nodes = parameterized(config)
  assert {k: defaults[k] for k in ('epochs', 'train_seed', 'max_drop', 'data', 'schema_file',
                                   'allow_anomalies', 'small_steps', 'steps')} == {
      'epochs': 5, 'train_seed': 3, 'max_drop': 0.02, 'data': 'tfds:mnist',
      'schema_file': 'gs://b/schema.pbtxt', 'allow_anomalies': 1,
      'small_steps': config.small_sets.steps, 'steps': config.distill.nfr.steps}
  small = [node for name, node in nodes.items()
           if name.startswith('Trainer_') and not name.startswith('Trainer_full')]
  trainer = max(small, key=lambda node: node.id).exec_properties  # a second seed's
  assert isinstance(trainer['small_steps'], data_types.RuntimeParameter)
  assert trainer['small_steps'].name == 'small_steps'
  assert trainer['small_steps'].default == config.small_sets.steps
  assert (trainer['epochs'], trainer['seed_index']) == (0, 1)
  ingest = nodes['Ingest'].exec_properties
  assert ingest['data'].name == 'data' and ingest['data'].ptype is str
  assert ingest['eval_fraction'] == 0.2  # not a runtime parameter: stays a constant


def test_distillers_take_the_parameters_of_the_settings_their_method_has():
  config = config_lib.replace(config_lib.preset('smoke'), candidates=tuple(
      config_lib.Candidate(m, 1) for m in ('first', 'random', 'nfr')))
  defaults, nodes = parameterized(config)

  def taken(node_id):
    return {key for key, value in nodes[node_id].exec_properties.items()
            if isinstance(value, data_types.RuntimeParameter)}

  assert taken('Distiller_nfr_1') == {'steps', 'seed', 'time_budget_s'}
  assert taken('Distiller_random_1') == {'seed'}
  assert taken('Distiller_first_1') == set()
  assert (defaults['steps'], defaults['distill_seed']) == (5, 0)
  # Only first: no Distiller has steps, seed or a time budget.
  defaults, _ = parameterized(config_lib.replace(
      config, candidates=(config_lib.Candidate('first', 1),)))
  assert not {'steps', 'distill_seed', 'time_budget'} & set(defaults)
  # One runtime parameter cannot stand for two values.
  with pytest.raises(ConfigError, match=r'runtime parameter steps stands for '
                     r'distill\.\*\.steps, which differs between the methods that run '
                     r'\(\[5, 7\]\); give them one value \(--steps\)'):
    parameterized(config_lib.replace(config, distill={'nfr': {'steps': 7}},
                                     candidates=(config_lib.Candidate('nfr', 1),
                                                 config_lib.Candidate('kip', 1))))


def test_no_schema_parameter_when_the_schema_is_inferred():
  defaults, nodes = parameterized(config_lib.replace(
      config_lib.preset('smoke'), validation={'schema_file': 'infer'}))
  assert 'schema_file' not in defaults and 'ImportSchemaGen' not in nodes
  assert nodes['DataGate'].exec_properties['schema_file'] == 'infer'


def test_every_parameter_names_a_setting_with_its_flag():
  config = config_lib.preset('smoke')
  flags = {p.name: p.flag(config) for p in runtime_parameters.PARAMETERS}
  assert flags['data'] == '--data' and flags['distill_seed'] == '--seed'
  assert flags['small_steps'] == '--small-steps'
  assert flags['train_seed'] == ''  # TrainSettings.seed has no flag
  assert {training_executor.EPOCHS, training_executor.SEED} <= {
      f.name for f in dataclasses.fields(TrainSettings)}


@pytest.mark.parametrize('recipe,index,expected', [
    (None, 0, {'epochs': 8, 'seed': 7}),  # the full train split: its epochs
    ({'steps': 30, 'batch_size': 256}, 1,  # a small set: its recipe's steps, 2nd seed
     {'epochs': 1, 'seed': 8, 'small_set': {'steps': 300, 'batch_size': 256}}),
])
def test_trainer_folds_length_and_seed(recipe, index, expected):
  vertex_keys = {'ai_platform_enable_vertex': True, 'strategy': 'multi_worker'}
  config = {'epochs': 1, 'seed': 0, **vertex_keys}
  if recipe:
    config['small_set'] = recipe
  folded = training_executor.trained_settings(config, 8, 300, 7, index, 'Trainer_x_s1')
  assert folded == {**vertex_keys, **expected, 'label': 'Trainer_x_s1'}
  settings = from_config(folded)  # what run_fn reads back
  assert (settings.small_set.steps if recipe else settings.epochs) == (300 if recipe else 8)


@pytest.mark.parametrize('compiled,run', [((0.5, 0.9), (0.97, 0.02)),
                                          ((0.9, 0.5), (0.1, 0.0))])
@pytest.mark.parametrize('max_ece', [None, 0.05])
def test_evaluator_thresholds_are_the_pipelines_own(compiled, run, max_ece):
  # The run's thresholds give exactly the EvalConfig the pipeline builds for them; the
  # calibration bound stays (it was once given the accuracy floor as a lower bound).
  assert (with_thresholds(eval_config(*compiled, max_ece), *run)
          == eval_config(*run, max_ece))


def test_the_vertex_job_trains_with_the_run_values():
  """The Vertex Trainer step folds the run's values in before TFX submits the CustomJob
  (the submission itself, a cloud call, is stood in for), and the job's replicas run
  TFX's generic Trainer executor (as trainer.replica.ReplicaExecutor), not this one
  again."""
  custom = vertex_custom_config(VertexTraining('p', 'europe-west4', 'image:1'),
                                {'epochs': 2, 'seed': 0, 'strategy': 'auto'})
  properties = {'custom_config': json.dumps(custom), 'run_fn': 'f', 'epochs': 12,
                'small_steps': 0, 'seed': 5, 'seed_index': 1,
                'training_set': identity.full().to_json(), 'pipeline_name': 'p'}
  model = standard_artifacts.Model()
  with mock.patch.object(vertex_executor.runner, 'start_cloud_training') as submit:
    VertexExecutor().Do({}, {'model': [model]}, properties)
  _, _, submitted, executor_path, job_args = submit.call_args.args[:5]
  assert executor_path == 'tfx_distill.trainer.replica.ReplicaExecutor'
  assert set(submitted) == {'custom_config', 'run_fn'}
  folded = json.loads(submitted['custom_config'])
  assert (folded['epochs'], folded['seed'], folded['strategy']) == (12, 6, 'default')
  assert job_args == custom['ai_platform_training_args']
  # The step writes the training set on the model, as the local Trainer does.
  assert identity.TrainingSet.from_properties(identity.read(model)) == identity.full()
  assert identity.read(model)[identity.SEED] == 1
