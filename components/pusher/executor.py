"""Executor of the Pusher: TFX's, except how a model is written to the filesystem
destination (`push.push_model`: atomic where the filesystem allows, never two pushes in
one version). The PushedModel artifact keeps TFX's custom properties: `pushed`,
`pushed_destination`, `pushed_version`.

`RegistryExecutor` (compiled pipelines with `--push-to vertex`) then also uploads the
pushed version to the Vertex AI Model Registry (`vertex_registry.py`), with the
accuracy of the model's evaluation, and records `vertex_model` (and `vertex_endpoint`).
"""

from typing import Any, Dict, List

from absl import logging
from tfx.components.pusher import executor as tfx_pusher
from tfx.proto import pusher_pb2
from tfx.types import Artifact, artifact_utils, standard_component_specs
from tfx.utils import io_utils, json_utils, proto_utils

from tfx_distill.components.pusher import vertex_registry
from tfx_distill.contracts import identity
from tfx_distill.contracts.push import push_model

EVALUATION_KEY = 'model_evaluation'  # RegistryExecutor's input: the model's evaluation

VERSIONING = (pusher_pb2.Versioning.AUTO, pusher_pb2.Versioning.UNIX_TIMESTAMP)


class Executor(tfx_pusher.Executor):

  def Do(self, input_dict: Dict[str, List[Artifact]],
         output_dict: Dict[str, List[Artifact]],
         exec_properties: Dict[str, Any]) -> None:
    model_push = artifact_utils.get_single_instance(
        output_dict[standard_component_specs.PUSHED_MODEL_KEY])
    # The model's training set, seed and pipeline on its push (contracts/identity.py).
    identity.copy(artifact_utils.get_single_instance(
        input_dict[standard_component_specs.MODEL_KEY]), model_push)
    if not self.CheckBlessing(input_dict):
      self._MarkNotPushed(model_push)
      return
    destination = pusher_pb2.PushDestination()
    proto_utils.json_to_proto(exec_properties[standard_component_specs.PUSH_DESTINATION_KEY],
                              destination)
    if (destination.WhichOneof('destination') != 'filesystem'
        or destination.filesystem.versioning not in VERSIONING):
      raise NotImplementedError(f'push destination {destination} (this Pusher writes '
                                'to a filesystem, versioned by time)')
    model_path = self.GetModelPath(input_dict)
    version, serving_path = push_model(model_path, destination.filesystem.base_directory)
    logging.info('Model written to serving path %s.', serving_path)
    io_utils.copy_dir(model_path, model_push.uri)  # the artifact's own copy, as TFX's
    self._MarkPushed(model_push, pushed_destination=serving_path, pushed_version=version)


class RegistryExecutor(Executor):
  """Pushes as `Executor`, then uploads a pushed model to the Vertex AI Model Registry
  (and deploys it, if the custom_config's serving args name an endpoint)."""

  def Do(self, input_dict: Dict[str, List[Artifact]],
         output_dict: Dict[str, List[Artifact]],
         exec_properties: Dict[str, Any]) -> None:
    super().Do(input_dict, output_dict, exec_properties)
    model_push = artifact_utils.get_single_instance(
        output_dict[standard_component_specs.PUSHED_MODEL_KEY])
    if model_push.get_int_custom_property('pushed') != 1:
      return
    from tfx_distill.blessing.result import read_evaluation  # pylint: disable=g-import-not-at-top
    evaluation = read_evaluation(
        artifact_utils.get_single_instance(input_dict[EVALUATION_KEY]).uri)
    found = vertex_registry.upload(
        json_utils.loads(exec_properties[standard_component_specs.CUSTOM_CONFIG_KEY]),
        model_push.get_string_custom_property('pushed_destination'),
        model_push.get_string_custom_property('pushed_version'),
        evaluation.accuracy, evaluation.calibration_error)
    for key, value in found.items():
      logging.info('%s: %s', key, value)
      model_push.set_string_custom_property(key, value)
