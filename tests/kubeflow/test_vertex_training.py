"""The Vertex custom_config, checked against TFX's own job assembly (no cloud call)."""

from unittest import mock

import pytest
from tfx.extensions.google_cloud_ai_platform import training_clients
from tfx.extensions.google_cloud_ai_platform.constants import (ENABLE_VERTEX_KEY,
                                                                VERTEX_REGION_KEY)
from tfx.extensions.google_cloud_ai_platform.trainer.executor import TRAINING_ARGS_KEY

from tfx_distill.trainer.settings import from_config
from tfx_distill.kubeflow.vertex_training import VertexTraining, WorkerPool, vertex_custom_config

IMAGE = 'europe-docker.pkg.dev/p/tfx-distill/trainer:1'
TRAINER = {'epochs': 8, 'batch_size': 250, 'strategy': 'auto', 'seed': 1}


def vertex(**kwargs):
  return VertexTraining(project='p', region='europe-west4', image_uri=IMAGE, **kwargs)


def test_multi_worker_gpu_pools():
  config = vertex_custom_config(vertex(
      chief=WorkerPool('n1-standard-8', 'NVIDIA_TESLA_T4', 2),
      workers=WorkerPool('n1-standard-8', 'NVIDIA_TESLA_T4', 2, replica_count=3),
      service_account='trainer@p.iam.gserviceaccount.com',
      labels=(('team', 'distill'),)), TRAINER)
  assert config[ENABLE_VERTEX_KEY] is True
  assert config[VERTEX_REGION_KEY] == 'europe-west4'
  assert config['strategy'] == 'multi_worker' and config['epochs'] == 8
  gpu = {'machine_type': 'n1-standard-8', 'accelerator_type': 'NVIDIA_TESLA_T4',
         'accelerator_count': 2}
  assert config[TRAINING_ARGS_KEY] == {
      'project': 'p',
      'job_spec': {
          'worker_pool_specs': [
              {'machine_spec': gpu, 'replica_count': 1,
               'container_spec': {'image_uri': IMAGE}},
              {'machine_spec': gpu, 'replica_count': 3,
               'container_spec': {'image_uri': IMAGE}}],
          'service_account': 'trainer@p.iam.gserviceaccount.com'},
      'labels': {'team': 'distill'}}
  assert from_config(config).strategy == 'multi_worker'  # run_fn ignores the job keys


def test_strategy_follows_the_pools_unless_set():
  gpus = vertex(chief=WorkerPool('a2-highgpu-4g', 'NVIDIA_TESLA_A100', 4))
  assert vertex_custom_config(gpus, {})['strategy'] == 'mirrored'
  assert vertex_custom_config(gpus, {**TRAINER, 'strategy': 'default'})['strategy'] == (
      'default')
  assert vertex_custom_config(vertex(), {})['strategy'] == 'default'
  spec = vertex_custom_config(gpus, {})[TRAINING_ARGS_KEY]['job_spec']
  assert spec['worker_pool_specs'][0]['machine_spec'] == {
      'machine_type': 'a2-highgpu-4g', 'accelerator_type': 'NVIDIA_TESLA_A100',
      'accelerator_count': 4}


@pytest.mark.parametrize('bad, word', [
    (dict(chief=WorkerPool(replica_count=2)), 'chief'),
    # No TPU (the image's TensorFlow is not the TPU build): TPU accelerators, TPU VMs.
    (dict(chief=WorkerPool('cloud-tpu', 'TPU_V3', 8)), 'TPUs are not supported'),
    (dict(chief=WorkerPool('ct5lp-hightpu-4t')), 'TPUs are not supported'),
    (dict(workers=WorkerPool('n1-standard-8', 'TPU_V2', 8)), 'TPUs are not supported'),
    (dict(chief=WorkerPool('n1-standard-8', 'NVIDIA_TESLA_T4', 0)), 'accelerator'),
])
def test_bad_pools_fail_clearly(bad, word):
  with pytest.raises(ValueError, match=word):
    vertex_custom_config(vertex(**bad), TRAINER)


def test_tfx_builds_the_custom_job_from_it():
  config = vertex_custom_config(vertex(
      chief=WorkerPool('n1-standard-8', 'NVIDIA_TESLA_T4', 1),
      workers=WorkerPool('n1-standard-8', replica_count=1)), TRAINER)
  job_args = dict(config[TRAINING_ARGS_KEY])
  job_args.pop('project')  # as tfx's runner.start_cloud_training does
  with mock.patch.object(training_clients.VertexJobClient, 'create_client'):
    client = training_clients.VertexJobClient('europe-west4')
  job = client.create_training_job({}, {}, {'custom_config': config},
                                   'tfx.components.trainer.executor.GenericExecutor',
                                   job_args, None, None)
  pools = job['job_spec']['worker_pool_specs']
  assert [pool['replica_count'] for pool in pools] == [1, 1]
  for pool in pools:
    assert pool['container_spec']['image_uri'] == IMAGE
    command = pool['container_spec']['command']
    assert 'tfx.components.trainer.executor.GenericExecutor' in command
    assert '"strategy": "multi_worker"' in command[command.index('--exec-properties') + 1]
