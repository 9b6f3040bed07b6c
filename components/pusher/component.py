"""The Pusher: TFX's Pusher component (same spec, inputs, outputs and properties) with
an executor whose pushes are atomic and never share a version (`push.py`); and the spec
of the Pusher that also uploads to the Vertex AI Model Registry (its model's evaluation
as one more input, for the accuracy it labels the upload with)."""

from tfx.components.pusher.component import Pusher as TfxPusher
from tfx.dsl.components.base import executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter
from tfx.types.standard_component_specs import PusherSpec

from tfx_distill.components.pusher import executor


class Pusher(TfxPusher):
  """Pushes a blessed model to `push_destination.filesystem.base_directory/<version>`."""

  EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)


class RegistryPusherSpec(PusherSpec):
  """PusherSpec with the model's evaluation (for RegistryExecutor)."""
  INPUTS = {**PusherSpec.INPUTS,
            executor.EVALUATION_KEY: ChannelParameter(
                type=standard_artifacts.ModelEvaluation, optional=True)}
