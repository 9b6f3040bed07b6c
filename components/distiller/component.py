"""The Distiller component: a train split in, a tiny distilled set out (as Examples for
the Trainer and as a `.npz` in the published KIP format)."""

import dataclasses

from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import artifact, channel_utils, standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from components.distiller import executor
from components.distiller.settings import DistillSettings

EXAMPLES_KEY = 'examples'
DISTILLED_KEY = 'distilled'
KIP_SET_KEY = 'kip_set'
KIP_SET_FILE = 'kip_set.npz'


class KipSet(artifact.Artifact):
  """A distilled set as one `.npz` file (`kip_set.npz` under the uri) in the published
  KIP format: `images` float32 NHWC standardised, `labels` float32 (N, 10)."""
  TYPE_NAME = 'tfx_distill.KipSet'




def parameter_type(field: dataclasses.Field) -> type:
  """The component parameter type of a DistillSettings field (bools travel as ints)."""
  name = field.type if isinstance(field.type, str) else field.type.__name__
  return {'bool': int, 'int': int, 'float': float, 'str': str}[name]


class DistillerSpec(ComponentSpec):
  PARAMETERS = {
      'method': ExecutionParameter(type=str),
      'images_per_class': ExecutionParameter(type=int),
      **{f.name: ExecutionParameter(type=parameter_type(f))
         for f in dataclasses.fields(DistillSettings)},
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

  def __init__(self, examples, method: str, images_per_class: int,
               settings: DistillSettings = DistillSettings()):
    parameters = {f.name: parameter_type(f)(getattr(settings, f.name))
                  for f in dataclasses.fields(DistillSettings)}
    spec = DistillerSpec(
        examples=examples, method=method, images_per_class=images_per_class, **parameters,
        distilled=channel_utils.as_channel([standard_artifacts.Examples()]),
        kip_set=channel_utils.as_channel([KipSet()]))
    super().__init__(spec=spec)
