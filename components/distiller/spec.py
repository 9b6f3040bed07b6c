"""The Distiller component's interface: its parameters (method, images per class, the
Trainer's architecture, the checkpoint directory, and the settings fields of its method
only: `spec_class(method)`), input and output keys, the KipSet artifact and its file,
and the custom properties the Distiller records on its artifacts."""

import functools
from typing import Type

from tfx.types import artifact, standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from tfx_distill.components.distiller.methods import method as method_entry
from tfx_distill.contracts.parameters import (CODE_VERSION, cache_key_parameters,
                                               execution_parameters)

EXAMPLES_KEY = 'examples'  # input: the ingested Examples (its `train` split is the pool)
DISTILLED_KEY = 'distilled'  # output: the set as Examples (`train`; `valid` copied)
KIP_SET_KEY = 'kip_set'  # output: the set in the published KIP format
METHOD_KEY = 'method'
IMAGES_PER_CLASS_KEY = 'images_per_class'
# The Trainer's architecture (nfr trains its model pool with it): config.train's.
ARCHITECTURE_KEY = 'architecture'
# Where an nfr or KIP run keeps its checkpoints across executions ('' = none); see
# executor.py.
CHECKPOINT_DIR_KEY = 'checkpoint_dir'
KIP_SET_FILE = 'kip_set.npz'
# Custom property of both outputs: the method's settings the set was made with, as a
# JSON object {field: value} (what the SetPublisher records as `distill_settings`).
DISTILL_SETTINGS_KEY = 'distill_settings'
# custom property: the run's figures (loss, steps, ...; result.info) as JSON, which every
# runner hands over as written (a float property reaches Vertex's steps as a struct)
DISTILL_RESULT_KEY = 'distill_result'
# custom properties (and in distill_result): what making the set cost, wall and CPU s
DISTILL_SECONDS, DISTILL_CPU_SECONDS = 'distill_seconds', 'distill_cpu_seconds'


class KipSet(artifact.Artifact):
  """A distilled set as one `.npz` file (`kip_set.npz` under the uri) in the published
  KIP format: `images` float32 NHWC standardised, `labels` float32 (N, 10)."""
  TYPE_NAME = 'tfx_distill.KipSet'


class DistillerSpec(ComponentSpec):
  """The parameters every Distiller has; a Distiller's spec is `spec_class(method)`,
  which adds its method's settings fields."""
  PARAMETERS = {
      METHOD_KEY: ExecutionParameter(type=str),
      IMAGES_PER_CLASS_KEY: ExecutionParameter(type=int),
      ARCHITECTURE_KEY: ExecutionParameter(type=str),
      CHECKPOINT_DIR_KEY: ExecutionParameter(type=str, optional=True),
      **cache_key_parameters(CODE_VERSION),
  }
  INPUTS = {EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples)}
  OUTPUTS = {
      DISTILLED_KEY: ChannelParameter(type=standard_artifacts.Examples),
      KIP_SET_KEY: ChannelParameter(type=KipSet),
  }


@functools.lru_cache(maxsize=None)
def spec_class(method: str) -> Type[DistillerSpec]:
  """The spec of a Distiller of `method`: DistillerSpec's parameters and one per field
  of the method's settings (methods.py), so that a setting of another method is no
  parameter of this Distiller (and never invalidates its cache)."""
  settings = method_entry(method).settings
  return type(f'DistillerSpec_{method}', (DistillerSpec,), {
      'PARAMETERS': {**DistillerSpec.PARAMETERS, **execution_parameters(settings)}})
