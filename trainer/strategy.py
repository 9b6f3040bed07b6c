"""Distribution strategies by name, and what a worker needs to know about its own.

`choose_strategy(name)` for name in trainer.settings.STRATEGIES:

- `auto`: mirrored when more than one GPU is visible, else the default strategy;
- `default`: the default (no-op) strategy: one device, TensorFlow's placement;
- `one_device`: the first GPU, else the CPU;
- `mirrored`: every visible GPU, or every logical CPU device when there is no GPU
  (this is how it is tested: 2 logical CPUs on one host);
- `multi_worker`: MultiWorkerMirroredStrategy over the cluster in `TF_CONFIG` (Vertex
  sets it from the worker pools), as `MultiWorkerStrategy`, which works around two
  Keras 3 `fit` bugs with several workers; it must be created before any other TF op.

No TPU strategy: the image's TensorFlow (2.16, which TFX 1.16 requires) is not the TPU
build, which cannot be installed beside it (kubeflow/README.md, "GPUs, and why no TPU").

Batch size: the configured batch size is the global batch at one replica, and the
global batch scales with the replicas (`global_batch_size`): each replica always sees
`batch_size` images per step, as in the seed notebook, and a step over R replicas
consumes R x batch_size images. `scale=False` keeps the global batch fixed instead.
"""

import json
import os
from typing import Optional

import tensorflow as tf

from tfx_distill.contracts.errors import ConfigError
from tfx_distill.trainer.settings import STRATEGIES


def choose_strategy(name: str) -> tf.distribute.Strategy:
  """The strategy called `name` (see the module docstring)."""
  if name == 'auto':
    if len(tf.config.list_physical_devices('GPU')) > 1:
      return mirrored_strategy()
    return tf.distribute.get_strategy()
  if name == 'default':
    return tf.distribute.get_strategy()
  if name == 'one_device':
    gpus = tf.config.list_logical_devices('GPU')
    return tf.distribute.OneDeviceStrategy(gpus[0].name if gpus else '/cpu:0')
  if name == 'mirrored':
    return mirrored_strategy()
  if name == 'multi_worker':
    return multi_worker_strategy()
  raise ValueError(f'strategy must be one of {STRATEGIES}, got {name!r}')


def mirrored_strategy() -> tf.distribute.MirroredStrategy:
  """Mirrored over every GPU, or over every logical CPU device when there is no GPU."""
  devices = tf.config.list_logical_devices('GPU') or tf.config.list_logical_devices('CPU')
  return tf.distribute.MirroredStrategy([device.name for device in devices])


class MultiWorkerStrategy(tf.distribute.MultiWorkerMirroredStrategy):
  """MultiWorkerMirroredStrategy whose `reduce` takes what Keras 3's `fit` passes it.

  With more than one worker, Keras 3.12 `fit` fails in two `reduce` calls
  (keras-team/keras#20585): it reduces a whole (images, targets) batch at once ("Attempt
  to convert a value (PerReplica...)"), and it reduces each step's scalar loss and
  metrics along axis 0 ("Invalid reduction dimension 0 for input with 0 dimensions").
  This reduces each tensor of a structure separately, and scalars over the replicas."""

  def reduce(self, reduce_op, value, axis):
    parent = super()

    def reduce_part(part):
      scalar = self.experimental_local_results(part)[0].shape.rank == 0
      return parent.reduce(reduce_op, part, None if scalar else axis)

    return tf.nest.map_structure(reduce_part, value)


def multi_worker_strategy() -> tf.distribute.MultiWorkerMirroredStrategy:
  """Multi-worker mirrored training over the cluster described by TF_CONFIG."""
  check_tf_config()
  return MultiWorkerStrategy()


def check_tf_config() -> None:
  """ConfigError unless TF_CONFIG describes a cluster (what multi_worker needs)."""
  if 'TF_CONFIG' not in os.environ:
    raise ConfigError("strategy 'multi_worker' needs TF_CONFIG (cluster and task); "
                     'none is set')
  cluster = json.loads(os.environ['TF_CONFIG']).get('cluster', {})
  if not cluster:
    raise ConfigError("strategy 'multi_worker': TF_CONFIG has no cluster")


def global_batch_size(batch_size: int, strategy: tf.distribute.Strategy,
                      scale: bool = True) -> int:
  """The batch size tf.data batches with: batch_size x replicas when scaling."""
  return batch_size * strategy.num_replicas_in_sync if scale else batch_size


def task(strategy: tf.distribute.Strategy) -> tuple:
  """(task_type, task_id) of this worker in its cluster, (None, None) outside one."""
  resolver = strategy.cluster_resolver
  if resolver is None or not resolver.task_type:
    return None, None
  return resolver.task_type, resolver.task_id


def is_chief(strategy: tf.distribute.Strategy) -> bool:
  """Whether this worker writes outputs: the chief, or worker 0 in a cluster without a
  chief, or the only process when there is no cluster."""
  task_type, task_id = task(strategy)
  if task_type is None:
    return True
  return chief_task(strategy.cluster_resolver.cluster_spec().as_dict(), task_type,
                    task_id)


def chief_task(cluster: dict, task_type: Optional[str], task_id: Optional[int]) -> bool:
  """Whether the task (task_type, task_id) of `cluster` ({type: [addresses]}) writes
  outputs: `chief` (or the legacy `master`), or worker 0 when the cluster has neither;
  a process outside a cluster (no task type) always does."""
  if not task_type or task_type in ('chief', 'master'):
    return True
  return (task_type == 'worker' and int(task_id or 0) == 0
          and not {'chief', 'master'} & set(cluster))


def chief_in_tf_config(tf_config: Optional[str]) -> bool:
  """`chief_task` for the process that TF_CONFIG (its JSON text, or None) describes,
  before any strategy exists: true without TF_CONFIG or without a cluster in it."""
  config = json.loads(tf_config or '{}')
  if not config.get('cluster'):
    return True
  task_spec = config.get('task', {})
  return chief_task(config['cluster'], task_spec.get('type'), task_spec.get('index'))


def num_workers(strategy: tf.distribute.Strategy) -> int:
  """How many worker processes train together (1 outside a cluster)."""
  resolver = strategy.cluster_resolver
  if resolver is None or not resolver.task_type:
    return 1
  cluster = resolver.cluster_spec().as_dict()
  return sum(len(cluster.get(kind, [])) for kind in ('chief', 'worker'))
