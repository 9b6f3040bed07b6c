"""The Distiller component: a train split in, a tiny distilled set out (as Examples for
the Trainer and as a `.npz` in the published KIP format)."""

from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import artifact, channel_utils, standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from components.distiller import executor

EXAMPLES_KEY = 'examples'
DISTILLED_KEY = 'distilled'
KIP_SET_KEY = 'kip_set'
KIP_SET_FILE = 'kip_set.npz'


class KipSet(artifact.Artifact):
  """A distilled set as one `.npz` file (`kip_set.npz` under the uri) in the published
  KIP format: `images` float32 NHWC standardised, `labels` float32 (N, 10)."""
  TYPE_NAME = 'tfx_distill.KipSet'


class DistillerSpec(ComponentSpec):
  PARAMETERS = {
      'method': ExecutionParameter(type=str),
      'images_per_class': ExecutionParameter(type=int),
      'steps': ExecutionParameter(type=int),
      'learning_rate': ExecutionParameter(type=float),
      'kernel': ExecutionParameter(type=str),
      'learn_labels': ExecutionParameter(type=int),
      'target_batch': ExecutionParameter(type=int),
      'num_networks': ExecutionParameter(type=int),
      'ridge': ExecutionParameter(type=float),
      'seed': ExecutionParameter(type=int),
      'time_budget_s': ExecutionParameter(type=float),
  }
  INPUTS = {EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples)}
  OUTPUTS = {
      DISTILLED_KEY: ChannelParameter(type=standard_artifacts.Examples),
      KIP_SET_KEY: ChannelParameter(type=KipSet),
  }


class Distiller(base_component.BaseComponent):
  """Distils the `train` split of `examples` with `method` (random | first | herding |
  kip | logreg) into `images_per_class` images per class."""

  SPEC_CLASS = DistillerSpec
  EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

  def __init__(self, examples, method: str, images_per_class: int, steps: int = 200,
               learning_rate: float = 0.01, kernel: str = 'conv_rf',
               learn_labels: bool = True, target_batch: int = 1000,
               num_networks: int = 2, ridge: float = 1e-6, seed: int = 0,
               time_budget_s: float = 0.0):
    spec = DistillerSpec(
        examples=examples, method=method, images_per_class=images_per_class,
        steps=steps, learning_rate=learning_rate, kernel=kernel,
        learn_labels=int(learn_labels), target_batch=target_batch,
        num_networks=num_networks, ridge=ridge, seed=seed, time_budget_s=time_budget_s,
        distilled=channel_utils.as_channel([standard_artifacts.Examples()]),
        kip_set=channel_utils.as_channel([KipSet()]))
    super().__init__(spec=spec)
