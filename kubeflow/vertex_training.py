"""Moves every Trainer of a built pipeline onto Vertex AI Training.

`create_pipeline` builds plain `tfx.components.Trainer`s. TFX's Google Cloud AI Platform
Trainer differs from them only in its executor (it submits a Vertex CustomJob whose
replicas run the generic Trainer executor, hence `trainer.task.run_fn`, in the image) and
in the custom_config keys that executor reads. So the Trainers are switched in place:
their channels, and so every downstream node, stay as they are.
"""

from tfx import v1 as tfx
from tfx.dsl.components.base import executor_spec
from tfx.extensions.google_cloud_ai_platform.trainer import executor as vertex_executor
from tfx.utils import json_utils

from trainer.vertex import VertexTraining, vertex_custom_config

CUSTOM_CONFIG_KEY = 'custom_config'
VERTEX_EXECUTOR = executor_spec.ExecutorClassSpec(vertex_executor.GenericExecutor)


def train_on_vertex(pipeline: tfx.dsl.Pipeline, vertex: VertexTraining) -> int:
  """Rewires each Trainer of `pipeline` to run as a Vertex CustomJob; returns how many.

  Each Trainer keeps its own keys (epochs, seed, ...) in custom_config; the Vertex job
  (worker pools, image, project, region) is added by `trainer.vertex`."""
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
