"""`--push-to vertex`: every Pusher of a compiled pipeline also uploads what it pushed
to the Vertex AI Model Registry (components/pusher/vertex_registry.py), and the pushes
of one training set can be deployed to an endpoint.

`push_to_vertex` switches the Pushers of a built pipeline in place, as
`vertex_training.train_on_vertex` does the Trainers: each keeps its id, channels and
filesystem push (`PIPELINE_ROOT/serving/<training set>/<version>/`, which the registry
model points at), and gets the registry executor, the evaluation of its model (from the
Evaluator of the same set's seed-0 model, which already blesses it) and the Vertex keys
in its custom_config.
"""

import dataclasses
from typing import Any, Dict

from tfx import v1 as tfx
from tfx.dsl.components.base import executor_spec
from tfx.extensions.google_cloud_ai_platform import constants
from tfx.types.standard_component_specs import (CUSTOM_CONFIG_KEY, MODEL_BLESSING_KEY,
                                                 MODEL_KEY)
from tfx.utils import json_utils

from tfx_distill.components.pusher import vertex_registry
from tfx_distill.components.pusher.component import Pusher, RegistryPusherSpec
from tfx_distill.components.pusher.executor import EVALUATION_KEY, RegistryExecutor
from tfx_distill.components.training.spec import TRAINING_SET_KEY
from tfx_distill.contracts import identity
from tfx_distill.contracts.identity import TrainingSet
from tfx_distill.contracts.errors import ConfigError, check

# Vertex's prebuilt TensorFlow prediction containers exist in these multi-regions; the
# newest TensorFlow the aiplatform SDK lists is 2.15 (the models are TF 2.16 SavedModels
# using standard ops only; not verified against that container here).
SERVING_IMAGE = '{}-docker.pkg.dev/vertex-ai/prediction/tf2-cpu.2-15:latest'
IMAGE_REGIONS = ('us', 'europe', 'asia')


def default_serving_image(region: str) -> str:
  """The prebuilt TensorFlow CPU prediction container nearest to `region`."""
  prefix = region.split('-')[0]
  check(prefix in IMAGE_REGIONS, f'no prebuilt Vertex prediction container is known '
        f'for region {region!r}: give --serving-image')
  return SERVING_IMAGE.format(prefix)


@dataclasses.dataclass(frozen=True)
class ModelRegistry:
  """Where pushed models are registered and, for one training set, served."""
  project: str
  region: str
  serving_image: str = ''  # default: default_serving_image(region)
  endpoint: str = ''  # deploy each push of endpoint_set to this endpoint (display name)
  endpoint_set: str = identity.FULL
  machine_type: str = 'n1-standard-2'
  min_replicas: int = 1
  max_replicas: int = 1

  def validate(self) -> 'ModelRegistry':
    check(bool(self.project and self.region),
          '--push-to vertex needs --project and --region')
    check(1 <= self.min_replicas <= self.max_replicas,
          f'serving replicas: need 1 <= min <= max, got {self.min_replicas} and '
          f'{self.max_replicas}')
    self.image()
    return self

  def image(self) -> str:
    return self.serving_image or default_serving_image(self.region)

  def custom_config(self, training_set: str, pipeline: str) -> Dict[str, Any]:
    """The Vertex keys of one Pusher's custom_config (vertex_registry.py)."""
    serving_args: Dict[str, Any] = {'project': self.project}
    if self.endpoint and training_set == self.endpoint_set:
      serving_args.update({vertex_registry.ENDPOINT_NAME: self.endpoint,
                           'machine_type': self.machine_type,
                           'min_replica_count': self.min_replicas,
                           'max_replica_count': self.max_replicas})
    return {
        constants.ENABLE_VERTEX_KEY: True,
        constants.VERTEX_REGION_KEY: self.region,
        constants.VERTEX_CONTAINER_IMAGE_URI_KEY: self.image(),
        constants.SERVING_ARGS_KEY: serving_args,
        vertex_registry.REGISTRY_KEY: {
            vertex_registry.DISPLAY_NAME: f'{pipeline}-{training_set}',
            vertex_registry.LABELS: identity.labels(training_set, pipeline)},
    }


def push_to_vertex(pipeline: tfx.dsl.Pipeline, registry: ModelRegistry) -> int:
  """Makes every Pusher of `pipeline` also upload to the Model Registry; returns how
  many. ConfigError if the endpoint's training set has no Pusher."""
  registry.validate()
  nodes = {node.id: node for node in pipeline.components}
  name = pipeline.pipeline_info.pipeline_name
  pushed = []
  for node in pipeline.components:
    if not isinstance(node, Pusher):
      continue
    # The model's Trainer names its training set; the blessing's Evaluator evaluated it.
    trainer = nodes[node.inputs[MODEL_KEY].producer_component_id]
    training_set = TrainingSet.from_json(trainer.exec_properties[TRAINING_SET_KEY]).name
    evaluator = nodes[node.inputs[MODEL_BLESSING_KEY].producer_component_id]
    own = json_utils.loads(node.exec_properties[CUSTOM_CONFIG_KEY] or 'null') or {}
    old = node.spec
    node.spec = RegistryPusherSpec(**{
        **old.exec_properties,
        CUSTOM_CONFIG_KEY: json_utils.dumps(
            {**own, **registry.custom_config(training_set, name)}),
        **old.inputs, EVALUATION_KEY: evaluator.outputs['evaluation'], **old.outputs})
    node.executor_spec = executor_spec.ExecutorClassSpec(RegistryExecutor)
    pushed.append(training_set)
  if registry.endpoint and registry.endpoint_set not in pushed:
    raise ConfigError(f'--vertex-endpoint-set {registry.endpoint_set!r} is not a '
                      f'training set of this pipeline (it has {", ".join(pushed)})')
  return len(pushed)
