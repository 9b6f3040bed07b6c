"""The Pusher: TFX's Pusher component (same spec, inputs, outputs and properties) with
an executor whose pushes are atomic and never share a version (`push.py`)."""

from tfx import v1 as tfx
from tfx.dsl.components.base import executor_spec

from tfx_distill.components.pusher import executor


class Pusher(tfx.components.Pusher):
  """Pushes a blessed model to `push_destination.filesystem.base_directory/<version>`."""

  EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)
