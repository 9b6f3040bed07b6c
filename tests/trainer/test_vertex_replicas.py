"""Multi-worker training as a Vertex AI CustomJob runs it, here: the pipeline step's
Trainer executor (`vertex_training.VertexExecutor`, TFX's Vertex Training executor) builds
the CustomJob with TFX's own code; instead of submitting it, every replica of every
worker pool is started on this machine as the image starts it (tests/kubeflow/image.py:
the image's interpreter, with the package installed from its wheel, from the image's
working directory) with the container command TFX put in its pool and the `TF_CONFIG`
Vertex sets (pool 0: task `chief`, pool 1: task `worker`; the cluster on free localhost
ports), and the job succeeds only if every replica does, as on Vertex. So each replica
runs TFX's Trainer executor (`tfx.scripts.run_executor`), then `run_fn` under
MultiWorkerMirroredStrategy on the CPU, on the same artifact URIs. The chief exports
its model only once the worker has exited (EXPORT_AFTER, tests/kubeflow/vertex_sim/): a
worker finishing first is what failed TFX's generic executor on the worker ("run_fn
failed to generate model"), hence the job.

The only stand-ins are for the cloud: the Vertex API client is not created and the job
is launched here instead of on Vertex."""

import json
import os
import subprocess
from unittest import mock

from tfx.extensions.google_cloud_ai_platform import runner, training_clients
from tfx.proto import trainer_pb2
from tfx.types import artifact_utils, standard_artifacts
from tfx.utils import json_utils, proto_utils

from tfx_distill.contracts import model_format
from tfx_distill.kubeflow.vertex_training import (VertexExecutor, VertexTraining, WorkerPool,
                                                   vertex_custom_config)
from tfx_distill.components.training.spec import RUN_FN
from tfx_distill.contracts import identity

from tests.kubeflow.vertex_launcher import VERTEX_SIM
# Vertex's pool order (chief, worker, ps, evaluator), and free local ports.
from tests.kubeflow.vertex_sim.local_custom_job import TASK_TYPES, free_ports
from tests.trainer.conftest import SCHEMA_DIR, TRAIN_IMAGES

IMAGE = 'europe-docker.pkg.dev/p/tfx-distill/tfx-distill:1'
TIMEOUT = 300
# Tiny training: 40 images at batch 8 on 2 replicas, 1 epoch.
TRAINER = {'epochs': 1, 'patience': 1, 'batch_size': 8, 'width': 8, 'seed': 1,
           'verbose': 0, 'strategy': 'auto'}


class LocalCustomJob:
  """Runs a Vertex CustomJob's replicas here (see the module docstring), the chief last:
  its model export waits until every other replica has exited (EXPORT_AFTER).
  Records each replica's (task type, index, exit status, output)."""

  def __init__(self, log_dir, image):
    self.log_dir = log_dir
    self.image = image
    self.replicas = []

  def __call__(self, project, training_job, enable_vertex, vertex_region):
    del project, enable_vertex, vertex_region
    pools = training_job['job_spec']['worker_pool_specs']
    tasks = [(TASK_TYPES[i], r, pool) for i, pool in enumerate(pools)
             for r in range(pool['replica_count'])]
    ports = iter(free_ports(len(tasks)))
    cluster = {}
    for task_type, _, _ in tasks:
      cluster.setdefault(task_type, []).append(f'127.0.0.1:{next(ports)}')
    others_done = os.path.join(self.log_dir, 'workers-exited')
    started = []
    for task_type, index, pool in tasks:
      command = list(pool['container_spec']['command'])
      assert command[:3] == ['python', '-m', 'tfx.scripts.run_executor'], command[:3]
      env = self.image.environ(TF_CPP_MIN_LOG_LEVEL='2', TF_CONFIG=json.dumps(
          {'cluster': cluster, 'task': {'type': task_type, 'index': index},
           'environment': 'cloud'}))
      if task_type == 'chief':
        env.update(EXPORT_AFTER=others_done, PYTHONPATH=VERTEX_SIM)
      log = os.path.join(self.log_dir, f'{task_type}-{index}.log')
      with open(log, 'w', encoding='utf-8') as out:
        started.append((task_type, index, log, subprocess.Popen(
            [self.image.interpreter] + command[1:], cwd=self.image.workdir,
            env=env, stdout=out, stderr=subprocess.STDOUT)))
    chief_last = sorted(started, key=lambda task: task[0] == 'chief')
    try:
      for task_type, index, log, process in chief_last:
        if task_type == 'chief':
          open(others_done, 'w').close()
        process.wait(timeout=TIMEOUT)
        with open(log, encoding='utf-8') as out:
          self.replicas.append((task_type, index, process.returncode, out.read()))
    finally:
      for _, _, _, process in started:
        if process.poll() is None:
          process.kill()
    failed = [(t, i, out[-3000:]) for t, i, code, out in self.replicas if code]
    if failed:  # Vertex fails the CustomJob, and TFX's executor raises
      raise RuntimeError(f'CustomJob failed: replicas {failed}')


def artifact(kind, uri, **properties):
  made = kind()
  made.uri = uri
  for key, value in properties.items():
    setattr(made, key, value)
  return made


def test_two_replicas_through_the_trainer_executor(tmp_path, plain_examples, image):
  examples = artifact(standard_artifacts.Examples, plain_examples,
                      split_names=artifact_utils.encode_split_names(['train', 'valid']))
  examples.set_string_custom_property('payload_format', 'FORMAT_TF_EXAMPLE')
  model = artifact(standard_artifacts.Model, str(tmp_path / 'model'))
  model_run = artifact(standard_artifacts.ModelRun, str(tmp_path / 'model_run'))
  vertex = VertexTraining(project='p', region='europe-west4', image_uri=IMAGE,
                          chief=WorkerPool('n1-standard-4'),
                          workers=WorkerPool('n1-standard-4', replica_count=1))
  exec_properties = {
      'run_fn': RUN_FN,
      'train_args': proto_utils.proto_to_json(trainer_pb2.TrainArgs(splits=['train'])),
      'eval_args': proto_utils.proto_to_json(trainer_pb2.EvalArgs(splits=['valid'])),
      'custom_config': json_utils.dumps(vertex_custom_config(vertex, TRAINER)),
      'epochs': 1, 'small_steps': 0, 'seed': 1, 'seed_index': 0,
      'training_set': identity.full().to_json(), 'pipeline_name': 'tfx-distill-test'}
  logs = tmp_path / 'replicas'
  logs.mkdir()
  job = LocalCustomJob(str(logs), image)
  with mock.patch.object(training_clients.VertexJobClient, 'create_client'), \
      mock.patch.object(runner, '_launch_cloud_training', job):
    VertexExecutor().Do(
        {'examples': [examples], 'schema': [artifact(standard_artifacts.Schema,
                                                     SCHEMA_DIR)]},
        {'model': [model], 'model_run': [model_run]}, exec_properties)
  assert [(t, i, code) for t, i, code, _ in job.replicas] == [('worker', 0, 0),
                                                               ('chief', 0, 0)]
  # Only the chief's model reached the artifact: one SavedModel, no worker copies.
  assert sorted(os.listdir(model.uri)) == ['Format-Serving']
  assert os.path.exists(os.path.join(model.uri, 'Format-Serving', 'saved_model.pb'))
  record = model_format.read_record(model_run.uri)
  assert record['strategy_class'] == 'MultiWorkerStrategy'
  assert record['workers'] == 2 and record['replicas'] == 2
  assert record['images'] == TRAIN_IMAGES and record['calibration']['valid_images'] == 30
