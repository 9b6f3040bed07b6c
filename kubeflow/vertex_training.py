"""Vertex AI Training for the Trainers of a compiled pipeline: worker pools, and the
rewiring of every Trainer to run as a Vertex CustomJob.

TFX's Google Cloud AI Platform Trainer differs from the generic Trainer only in its
executor (it submits a Vertex CustomJob whose every replica runs the generic Trainer
executor, hence `tfx_distill.trainer.task.run_fn`, in `image_uri`, a TFX 1.16 image
with this package installed) and in the custom_config keys that executor reads. Here
the replicas run `trainer.replica.ReplicaExecutor` (VertexExecutor): TFX's generic
executor, without its model check on the replicas that do not write the model. So
`train_on_vertex` switches the Trainers of a built pipeline in place: their channels,
and so every downstream node, stay as they are.

Worker pools: pool 0 is the chief (one replica; its machine may carry GPUs); pool 1,
when given, holds further workers for multi-worker training. No TPU
(kubeflow/deployment.py, NO_TPU). Vertex sets
`TF_CONFIG` in every replica from the cluster spec (pool 0 as task type `chief`, pool 1
as `worker`), which MultiWorkerMirroredStrategy reads; only the chief writes the model.
When the trainer's strategy is `auto` it is set from the pools: `multi_worker` with a
worker pool, `mirrored` for several GPUs, else `default`.
The same dict also carries the trainer's own keys (trainer/settings.py), which run_fn
reads and the extension passes through untouched.
"""

import dataclasses
from typing import Any, Dict, Mapping, Optional, Tuple

from tfx import v1 as tfx
from tfx.dsl.components.base import executor_spec
from tfx.extensions.google_cloud_ai_platform.constants import (ENABLE_VERTEX_KEY,
                                                                VERTEX_REGION_KEY)
from tfx.extensions.google_cloud_ai_platform.trainer import executor as vertex_executor
from tfx.extensions.google_cloud_ai_platform.trainer.executor import TRAINING_ARGS_KEY
from tfx.utils import json_utils

from tfx_distill.components.training.executor import TrainingMixin
from tfx_distill.contracts.errors import check
from tfx_distill.kubeflow.deployment import NO_TPU, is_tpu
from tfx_distill.trainer.replica import ReplicaExecutor

CUSTOM_CONFIG_KEY = 'custom_config'


class VertexExecutor(TrainingMixin, vertex_executor.GenericExecutor):
  """TFX's Vertex AI Training executor, whose CustomJob replicas run
  trainer/replica.py's ReplicaExecutor instead of TFX's generic Trainer executor; the
  Trainer's parameters folded into the custom_config the CustomJob gets, and the
  training set written on its outputs, as the local Trainer's
  (components/training/executor.py)."""

  def _GetExecutorClass(self):
    return ReplicaExecutor


VERTEX_EXECUTOR = executor_spec.ExecutorClassSpec(VertexExecutor)


@dataclasses.dataclass(frozen=True)
class WorkerPool:
  """One Vertex worker pool: machines, their accelerators and how many replicas."""
  machine_type: str = 'n1-standard-8'
  accelerator_type: str = ''  # e.g. NVIDIA_TESLA_T4, NVIDIA_L4 (no TPU)
  accelerator_count: int = 0
  replica_count: int = 1

  def spec(self, image_uri: str) -> Dict[str, Any]:
    """The pool as a Vertex WorkerPoolSpec."""
    machine = {'machine_type': self.machine_type}
    if self.accelerator_type:
      machine.update(accelerator_type=self.accelerator_type,
                     accelerator_count=self.accelerator_count)
    return {'machine_spec': machine, 'replica_count': self.replica_count,
            'container_spec': {'image_uri': image_uri}}


@dataclasses.dataclass(frozen=True)
class VertexTraining:
  """Where and on what the Trainer runs on Vertex."""
  project: str
  region: str
  image_uri: str
  chief: WorkerPool = WorkerPool()
  workers: Optional[WorkerPool] = None  # further workers: multi-worker training
  service_account: str = ''
  labels: Tuple[Tuple[str, str], ...] = ()

  def validate(self) -> 'VertexTraining':
    """Raises ConfigError naming the first bad value; returns self."""
    pools = [self.chief] + ([self.workers] if self.workers else [])
    checks = [
        (bool(self.project and self.region and self.image_uri),
         'project, region and image_uri are required'),
        (self.chief.replica_count == 1, 'the chief pool must have exactly 1 replica'),
        (all(pool.replica_count >= 1 for pool in pools), 'replica_count must be >= 1'),
    ]
    checks += [(bool(pool.accelerator_type) == (pool.accelerator_count > 0),
                f'{pool.machine_type}: accelerator_type and accelerator_count > 0 go '
                'together') for pool in pools]
    checks += [(not is_tpu(pool.accelerator_type, pool.machine_type), NO_TPU)
               for pool in pools]
    for ok, message in checks:
      check(ok, f'Vertex training: {message}')
    return self

  def strategy(self) -> str:
    """The distribution strategy these pools call for."""
    if self.workers:
      return 'multi_worker'
    if self.chief.accelerator_count > 1:
      return 'mirrored'
    return 'default'

  def custom_job(self) -> Dict[str, Any]:
    """TRAINING_ARGS_KEY's value: a Vertex CustomJob plus the project it runs in."""
    pools = [self.chief] + ([self.workers] if self.workers else [])
    job_spec: Dict[str, Any] = {'worker_pool_specs': [pool.spec(self.image_uri)
                                                      for pool in pools]}
    if self.service_account:
      job_spec['service_account'] = self.service_account
    return {'project': self.project, 'job_spec': job_spec, 'labels': dict(self.labels)}


def vertex_custom_config(vertex: VertexTraining,
                         trainer_config: Mapping[str, Any]) -> Dict[str, Any]:
  """The custom_config of an AI Platform Trainer: the trainer's keys plus the Vertex
  job. An `auto` (or missing) strategy becomes the one the pools call for."""
  vertex.validate()
  config = dict(trainer_config)
  if config.get('strategy', 'auto') == 'auto':
    config['strategy'] = vertex.strategy()
  config.update({ENABLE_VERTEX_KEY: True, VERTEX_REGION_KEY: vertex.region,
                 TRAINING_ARGS_KEY: vertex.custom_job()})
  return config


def train_on_vertex(pipeline: tfx.dsl.Pipeline, vertex: VertexTraining) -> int:
  """Rewires each Trainer of `pipeline` to run as a Vertex CustomJob; returns how many.

  Each Trainer keeps its own keys (epochs, seed, ...) in custom_config; the Vertex job
  (worker pools, image, project, region) is added by `vertex_custom_config`."""
  vertex.validate()
  count = 0
  for component in pipeline.components:
    if isinstance(component, tfx.components.Trainer):
      own = json_utils.loads(component.exec_properties[CUSTOM_CONFIG_KEY] or 'null') or {}
      component.exec_properties[CUSTOM_CONFIG_KEY] = json_utils.dumps(
          vertex_custom_config(vertex, own))
      component.executor_spec = VERTEX_EXECUTOR.copy()
      count += 1
  return count
