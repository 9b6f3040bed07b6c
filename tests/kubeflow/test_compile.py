"""Compiling for Kubeflow Pipelines v2 and Vertex AI: every preset, both targets, parsed
strictly as kfp's protos, with executors that import and the right Trainer and Beam
wiring."""

import importlib
import json
import re
import os
import subprocess
import sys

import pytest
import yaml
from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2
from tfx.dsl.components.base import base_executor
from tfx.orchestration.kubeflow.v2 import compiler_utils
from tfx.types import Artifact
from tfx.utils import import_utils

from tfx_distill.components.data_gate.spec import DataCheck
from tfx_distill.components.set_publisher.spec import PublishedSet
from tfx_distill.components.distiller.spec import KipSet
from tfx_distill.components.report.spec import Report
from tfx_distill.components.transfer.spec import TransferResult

from tfx_distill.kubeflow.compile import kfp_package_path
from tfx_distill.kubeflow.deployment import Deployment
from tfx_distill.pipeline import beam as beam_lib
from tfx_distill.pipeline import config as config_lib
from tfx_distill.pipeline.kubeflow_runner import compile_job
from tfx_distill.kubeflow.vertex_training import VertexTraining, WorkerPool

ROOT = 'gs://tfx-distill-test/root'
IMAGE = 'europe-west4-docker.pkg.dev/p/tfx-distill/tfx-distill:test'
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VERTEX = VertexTraining(project='p', region='europe-west4', image_uri=IMAGE,
                        chief=WorkerPool(accelerator_type='NVIDIA_TESLA_T4',
                                         accelerator_count=1),
                        workers=WorkerPool(replica_count=2))


def deployment(target, **changes):
  fields = dict(target=target, pipeline_root=ROOT, image=IMAGE,
                vertex_training=VERTEX if target == 'vertex' else None)
  fields.update(changes)
  return Deployment(**fields)


def executors(job):
  """{task name: executor class path} of a compiled job."""
  spec = job['pipelineSpec']
  found = {}
  for name, component in spec['components'].items():
    container = spec['deploymentSpec']['executors'][component['executorLabel']].get(
        'container')
    if container:
      args = container['args']
      found[name] = args[args.index('--executor_class_path') + 1]
  return found


def parameter(job, task, key):
  value = job['pipelineSpec']['root']['dag']['tasks'][task]['inputs']['parameters'][key]
  return value['runtimeValue']['constant']


@pytest.mark.parametrize('target', ['vertex', 'kubeflow'])
@pytest.mark.parametrize('preset', sorted(config_lib.PRESETS))
def test_every_preset_compiles_to_a_strict_pipeline_job(tmp_path, preset, target):
  config = config_lib.preset(preset)
  out = tmp_path / 'job.json'
  job = compile_job(config, deployment(target), str(out))
  assert json.loads(out.read_text()) == job
  parsed = json_format.ParseDict(job, pipeline_spec_pb2.PipelineJob())
  json_format.ParseDict(job['pipelineSpec'], pipeline_spec_pb2.PipelineSpec())
  assert parsed.runtime_config.gcs_output_directory == ROOT
  # One history per preset and data source (issue 21): the pipeline's own name.
  source = 'sample' if config.ingest.data == 'sample' else 'idx-fashion-mnist-'
  assert parsed.display_name == config.pipeline_name
  assert config.pipeline_name.startswith(f'tfx-distill-{preset}-{source}')
  assert job['pipelineSpec']['pipelineInfo']['name'] == config.pipeline_name
  tasks = set(job['pipelineSpec']['root']['dag']['tasks'])
  trainers = {t for t in tasks if t.startswith('Trainer_')}
  expected = (1 + len(config.full_work_multiples) + len(config.candidates)
              + len(config.kip_sets))  # full, full_same_steps and the longer full runs
  assert len(trainers) == expected * config.seeds
  assert {'Ingest', 'ImportSchemaGen', 'StatisticsGen', 'ExampleValidator',
          'DataGate'} <= tasks
  assert ('Tuner' in tasks) == config.enable_tuner
  images = {e['container']['image'] for e in
            job['pipelineSpec']['deploymentSpec']['executors'].values() if 'container' in e}
  assert images == {IMAGE}
  package = kfp_package_path(str(out))
  assert os.path.exists(package) == (target == 'kubeflow')
  if target == 'kubeflow':
    # What kfp.Client.create_run_from_pipeline_package reads, strictly.
    from kfp.client.client import _extract_pipeline_yaml  # pylint: disable=g-import-not-at-top
    spec = _extract_pipeline_yaml(package).pipeline_spec
    assert spec.default_pipeline_root == ROOT
    assert set(spec.root.dag.tasks) == tasks


@pytest.mark.parametrize('target', ['vertex', 'kubeflow'])
def test_every_executor_and_artifact_type_imports(tmp_path, target):
  # kip_sets adds KipImport and transfer the Transfers, so every custom component of the
  # repository is compiled.
  config = config_lib.replace(config_lib.preset('smoke'), kip_sets=('gs://b/kip.npz',),
                              transfer='mlp')
  job = compile_job(config, deployment(target), str(tmp_path / 'j.json'))
  found = executors(job)
  custom = {path for path in found.values() if path.startswith('tfx_distill.components.')}
  expected = {f'tfx_distill.components.{name}.executor.Executor'
              for name in os.listdir(os.path.join(REPO, 'components'))
              if os.path.exists(os.path.join(REPO, 'components', name, 'component.py'))}
  expected |= {f'tfx_distill.components.data_gate.{module}.Executor'
               for module in ('distribution', 'schema_import', 'statistics')}
  if target == 'vertex':  # the Trainers: kubeflow/vertex_training.py's VertexExecutor
    expected.remove('tfx_distill.components.training.executor.Executor')
  assert custom == expected
  for path in set(found.values()):
    module, _, name = path.rpartition('.')
    executor = getattr(importlib.import_module(module), name)
    assert issubclass(executor, base_executor.BaseExecutor), path
  # The entry point imports each artifact class by its schema title (TFX's own types by
  # a table), before anything else of the step: tfx_distill/__init__.py names ours.
  titles = {yaml.safe_load(spec['artifactType']['instanceSchema'])['title']
            for component in job['pipelineSpec']['components'].values()
            for definitions in (component.get('inputDefinitions', {}),
                                component.get('outputDefinitions', {}))
            for spec in definitions.get('artifacts', {}).values()}
  custom_types = {t for t in titles if t not in compiler_utils.TITLE_TO_CLASS_PATH}
  assert custom_types == {KipSet.TYPE_NAME, DataCheck.TYPE_NAME, PublishedSet.TYPE_NAME,
                          Report.TYPE_NAME, TransferResult.TYPE_NAME}
  for title in custom_types:
    assert issubclass(import_utils.import_class_by_path(title), Artifact), title


@pytest.mark.parametrize('target', ['vertex', 'kubeflow'])
def test_the_last_runs_statistics_are_resolved_before_this_runs(tmp_path, target):
  """The drift check's baseline: TFX's v2 compiler turns the LatestStatistics resolver
  into a query by type and state only (it drops the producer filter the local runner
  honours); the compile restricts it to this pipeline's statistics, and the
  baseline_root guard stays (components/data_gate/distribution.py)."""
  config = config_lib.preset('smoke')
  job = compile_job(config, deployment(target), str(tmp_path / 'j.json'))
  spec = job['pipelineSpec']
  tasks = spec['root']['dag']['tasks']
  label = spec['components'][tasks['LatestStatistics']['componentRef']['name']][
      'executorLabel']
  queries = spec['deploymentSpec']['executors'][label]['resolver']['outputArtifactQueries']
  assert queries == {'statistics': {
      'filter': 'schema_title="tfx.ExampleStatistics" AND state=LIVE AND '
                f'metadata.pipeline_name.string_value="{config.pipeline_name}"'}}
  assert 'LatestStatistics' in tasks['StatisticsGen']['dependentTasks']
  drift = tasks['DistributionValidator_drift']
  assert drift['inputs']['artifacts']['baseline_statistics']['taskOutputArtifact'] == {
      'producerTask': 'LatestStatistics', 'outputArtifactKey': 'statistics'}
  assert parameter(job, 'DistributionValidator_drift', 'baseline_root') == ROOT
  assert parameter(job, 'DistributionValidator_skew', 'comparators') == 'skew'
  assert {'DistributionValidator_skew', 'DistributionValidator_drift',
          'ExampleValidator'} <= set(tasks['DataGate']['dependentTasks'])


def test_vertex_trainers_run_as_custom_jobs_with_the_worker_pools(tmp_path):
  job = compile_job(config_lib.preset('smoke'), deployment('vertex'),
                         str(tmp_path / 'j.json'))
  found = executors(job)
  trainers = [t for t in found if t.startswith('Trainer_')]
  assert trainers
  for task in trainers:
    # TFX's Vertex AI Training executor, with the runtime epochs and seed folded in.
    assert found[task] == 'tfx_distill.kubeflow.vertex_training.VertexExecutor'
    assert parameter(job, task, 'run_fn') == 'tfx_distill.trainer.task.run_fn'
    custom = json.loads(parameter(job, task, 'custom_config'))
    assert custom['ai_platform_enable_vertex'] is True
    assert custom['ai_platform_vertex_region'] == 'europe-west4'
    args = custom['ai_platform_training_args']
    assert args['project'] == 'p'
    pools = args['job_spec']['worker_pool_specs']
    assert [p['replica_count'] for p in pools] == [1, 2]
    assert {p['container_spec']['image_uri'] for p in pools} == {IMAGE}
    assert pools[0]['machine_spec']['accelerator_type'] == 'NVIDIA_TESLA_T4'
    assert custom['strategy'] == 'multi_worker'
    if re.fullmatch(r'Trainer_full_s\d+', task):
      assert custom['epochs'] == 2 and custom['small_set'] is None
    else:
      assert custom['small_set']['steps'] == 30


def test_kubeflow_trainers_train_inside_the_step(tmp_path):
  job = compile_job(config_lib.preset('smoke'), deployment('kubeflow'),
                         str(tmp_path / 'j.json'))
  for task, path in executors(job).items():
    if task.startswith('Trainer_'):
      assert path == 'tfx_distill.components.training.executor.Executor'
      custom = json.loads(parameter(job, task, 'custom_config'))
      assert 'ai_platform_training_args' not in custom
      assert custom['strategy'] == 'auto'


def test_beam_components_get_the_dataflow_arguments(tmp_path):
  dataflow = beam_lib.dataflow('p', 'europe-west4', f'{ROOT}/tmp', 'large',
                               sdk_container_image=IMAGE)
  job = compile_job(config_lib.preset('smoke'), deployment('kubeflow'),
                    str(tmp_path / 'j.json'), beam=dataflow)
  spec = job['pipelineSpec']
  args = spec['deploymentSpec']['executors'][
      spec['components']['StatisticsGen']['executorLabel']]['container']['args']
  assert '--runner=DataflowRunner' in args
  assert f'--temp_location={ROOT}/tmp' in args
  assert '--machine_type=n1-highmem-8' in args
  assert f'--sdk_container_image={IMAGE}' in args
  assert not any(a.startswith('--direct_') for a in args)


@pytest.mark.parametrize('changes,message', [
    ({'target': 'vertex', 'pipeline_root': 's3://b/r'}, 's3:// pipeline roots are not'),
    ({'target': 'kubeflow', 'pipeline_root': 's3://b/r'}, 's3:// pipeline roots are not'),
    ({'target': 'kubeflow', 'pipeline_root': '/local/dir'}, 'must start with gs:// for'),
    ({'target': 'kubeflow', 'vertex_training': VERTEX}, 'only available with --target vertex'),
    ({'target': 'argo'}, 'target must be one of'),
])
def test_bad_deployments_are_refused(tmp_path, changes, message):
  out = tmp_path / 'j.json'
  with pytest.raises(ValueError, match=message):
    compile_job(config_lib.preset('smoke'), deployment(**changes), str(out))
  assert not out.exists()


def test_out_must_be_a_json_file(tmp_path):
  with pytest.raises(ValueError, match=r'--out must name a \.json file'):
    compile_job(config_lib.preset('smoke'), deployment('kubeflow'),
                     str(tmp_path / 'job.yaml'))


def test_beam_configs_validate():
  assert beam_lib.DirectBeam().beam_args() == ('--direct_running_mode=in_memory',
                                                '--direct_num_workers=1')
  assert beam_lib.DirectBeam(runner='FnApiRunner').beam_args()[0] == '--runner=FnApiRunner'
  with pytest.raises(ValueError, match='running_mode'):
    beam_lib.DirectBeam(running_mode='threads').beam_args()
  with pytest.raises(ValueError, match='temp_location must be a gs://'):
    beam_lib.dataflow('p', 'r', '/tmp/x')
  with pytest.raises(ValueError, match='size must be one of'):
    beam_lib.dataflow('p', 'r', 'gs://b/t', 'huge')


def test_cli_compile_writes_the_job_and_refuses_bad_input(tmp_path, capsys):
  out = tmp_path / 'vertex.json'
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='3')
  cli = [sys.executable, '-m', 'tfx_distill.pipeline.cli', 'compile', '--target', 'vertex',
         '--pipeline-root', ROOT, '--project', 'p', '--region', 'europe-west4',
         '--trainer-accelerator', 'NVIDIA_L4:1']
  result = subprocess.run(cli + ['--out', str(out)], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=300)
  assert result.returncode == 0, result.stderr[-2000:]
  job = json.loads(out.read_text())
  json_format.ParseDict(job, pipeline_spec_pb2.PipelineJob())
  image = 'europe-west4-docker.pkg.dev/p/tfx-distill/tfx-distill:'
  assert all(e['container']['image'].startswith(image) for e in
             job['pipelineSpec']['deploymentSpec']['executors'].values() if 'container' in e)
  custom = json.loads(parameter(job, 'Trainer_full_s0', 'custom_config'))
  assert custom['ai_platform_training_args']['job_spec']['worker_pool_specs'][0][
      'machine_spec']['accelerator_type'] == 'NVIDIA_L4'
  # Refused by the same entry point in this process (the exit code main returns).
  from tfx_distill.pipeline.cli import main  # pylint: disable=g-import-not-at-top
  assert main(cli[3:] + ['--out', str(tmp_path / 'bad.json'),
                         '--trainer-accelerator', 'NVIDIA_L4']) == 2
  assert capsys.readouterr().err.strip().splitlines()[-1] == (
      "tfx-distill: error: --trainer-accelerator 'NVIDIA_L4': expected TYPE:COUNT, "
      'e.g. NVIDIA_TESLA_T4:1')
  assert not (tmp_path / 'bad.json').exists()
