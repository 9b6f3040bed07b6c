"""Heavy steps get the hardware they need when compiled: the Distillers, and the
Trainers (and Tuner and Transfers) that train inside the pipeline, carry resource requests in the
compiled spec (vCPU and memory limits, accelerator type and count), from the preset or
the command line; Trainers that run as Vertex CustomJobs take their machines from the
worker pools instead."""

import json

import pytest

from tfx_distill.kubeflow.deployment import PRESET_RESOURCES
from tfx_distill.pipeline import cli

ROOT = 'gs://tfx-distill-test/root'


def compile_cli(tmp_path, *args):
  out = tmp_path / 'job.json'
  code = cli.main(['compile', '--out', str(out), '--pipeline-root', ROOT,
                   '--image', 'image:1'] + list(args))
  return code, (json.loads(out.read_text()) if code == 0 else None)


def resources(job):
  """{task: the resources of its container} for the tasks that ask for any."""
  spec = job['pipelineSpec']
  found = {}
  for task, component in spec['components'].items():
    container = spec['deploymentSpec']['executors'][component['executorLabel']].get(
        'container', {})
    if container.get('resources'):
      found[task] = container['resources']
  return found


def test_vertex_distillers_get_the_gpu_and_the_presets_machine(tmp_path):
  code, job = compile_cli(tmp_path, '--target', 'vertex', '--preset', 'demo',
                          '--project', 'p', '--region', 'europe-west4',
                          '--distiller-accelerator', 'NVIDIA_TESLA_T4:1',
                          '--distiller-memory', '48G')
  assert code == 0
  asked = resources(job)
  tasks = job['pipelineSpec']['root']['dag']['tasks']
  distillers = {t for t in tasks if t.startswith('Distiller_')}
  transfers = {t for t in tasks if t.startswith('Transfer_')}
  # Trainers: Vertex CustomJobs; Transfers train in their step, on the Trainer's machine.
  assert len(distillers) == 4 and len(transfers) == 5  # the 4 sets and full_same_steps
  assert set(asked) == distillers | transfers
  assert PRESET_RESOURCES['demo']['distiller'].cpu == 8
  for task in distillers:
    assert asked[task] == {'cpuLimit': 8.0, 'memoryLimit': 48.0,
                           'accelerator': {'type': 'NVIDIA_TESLA_T4', 'count': '1'}}
  trainer = PRESET_RESOURCES['demo']['trainer']
  for task in transfers:
    assert asked[task] == {'cpuLimit': trainer.cpu, 'memoryLimit': trainer.memory_gb}


def test_kubeflow_trainers_training_in_the_step_get_theirs(tmp_path):
  code, job = compile_cli(tmp_path, '--target', 'kubeflow', '--preset', 'tune',
                          '--architectures', 'mlp', '--trainer-cpu', '4',
                          '--trainer-memory', '16Gi', '--trainer-accelerator',
                          'nvidia.com/gpu:2')
  assert code == 0
  asked = resources(job)
  steps = {t for t in job['pipelineSpec']['root']['dag']['tasks']
           if t.startswith(('Trainer_', 'Transfer_')) or t == 'Tuner'}
  # tune: the Tuner, 6 Trainers (3 sets, the full data and its 2 equal-work runs) and
  # the 4 Transfers (the MLP) of the small sets and full_same_steps; no preset resources.
  assert len(steps) == 11 and set(asked) == steps
  for task in steps:
    assert asked[task] == {'cpuLimit': 4.0, 'memoryLimit': pytest.approx(2**34 / 1e9),
                           'accelerator': {'type': 'nvidia.com/gpu', 'count': '2'}}


def test_preset_defaults_without_flags(tmp_path):
  code, job = compile_cli(tmp_path, '--target', 'kubeflow', '--preset', 'full')
  assert code == 0
  asked = resources(job)
  assert asked['Distiller_nfr_50'] == {'cpuLimit': 16.0, 'memoryLimit': 64.0}
  assert asked['Trainer_full_s2'] == {'cpuLimit': 8.0, 'memoryLimit': 32.0}
  assert asked['Transfer_nfr_50'] == asked['Trainer_full_s2']
  assert not {t for t in asked if not t.startswith(('Distiller_', 'Trainer_', 'Transfer_'))}


@pytest.mark.parametrize('args,message', [
    (['--target', 'kubeflow', '--distiller-memory', 'lots'],
     "--distiller-memory 'lots': expected a size such as 32G or 16Gi"),
    (['--target', 'kubeflow', '--distiller-accelerator', 'NVIDIA_TESLA_T4'],
     "--distiller-accelerator 'NVIDIA_TESLA_T4': expected TYPE:COUNT"),
    (['--target', 'vertex', '--project', 'p', '--region', 'r', '--trainer-cpu', '8'],
     '--trainer-cpu and --trainer-memory are for training inside the pipeline'),
    (['--target', 'kubeflow', '--distiller-cpu', '-2'],
     'distiller: cpu and memory must be >= 0, got -2.0'),
])
def test_bad_resources_are_refused(tmp_path, capsys, args, message):
  code, _ = compile_cli(tmp_path, *args)
  assert code == 2
  last = capsys.readouterr().err.strip().splitlines()[-1]
  assert last.startswith('tfx-distill: error: ') and message in last
  assert not (tmp_path / 'job.json').exists()


@pytest.mark.parametrize('flags', [
    ['--target', 'vertex', '--trainer-machine-type', 'cloud-tpu', '--trainer-accelerator',
     'TPU_V3:8'],
    ['--target', 'vertex', '--trainer-machine-type', 'ct5lp-hightpu-4t'],
    ['--target', 'vertex', '--distiller-accelerator', 'TPU_V2:8'],
    ['--target', 'kubeflow', '--trainer-accelerator', 'TPU_V3:8'],
])
def test_a_tpu_is_refused_with_one_line(tmp_path, capsys, flags):
  code, _ = compile_cli(tmp_path, '--project', 'p', '--region', 'europe-west4', *flags)
  error = capsys.readouterr().err.strip()
  assert code == 2 and '\n' not in error, error
  assert error.startswith('tfx-distill: error: ') and 'TPUs are not supported' in error


def test_an_s3_root_is_refused_with_one_line(tmp_path, capsys):
  out = tmp_path / 'job.json'
  code = cli.main(['compile', '--out', str(out), '--pipeline-root', 's3://bucket/root',
                   '--image', 'image:1', '--target', 'kubeflow'])
  error = capsys.readouterr().err.strip()
  assert code == 2 and not out.exists()
  assert error.startswith('tfx-distill: error: --pipeline-root: s3:// pipeline roots are '
                          'not supported') and '\n' not in error, error
