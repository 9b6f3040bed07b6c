"""The Distiller component's interface: parameters (method, images per class, the
Trainer's architecture and the fields of DistillSettings), input and output keys, the KipSet artifact and its file."""

from tfx.types import artifact, standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from tfx_distill.components.distiller.settings import DistillSettings
from tfx_distill.contracts.parameters import (CODE_VERSION, cache_key_parameters,
                                               execution_parameters)

EXAMPLES_KEY = 'examples'  # input: the ingested Examples (its `train` split is the pool)
DISTILLED_KEY = 'distilled'  # output: the set as Examples (`train`; `valid` copied)
KIP_SET_KEY = 'kip_set'  # output: the set in the published KIP format
METHOD_KEY = 'method'
IMAGES_PER_CLASS_KEY = 'images_per_class'
# The Trainer's architecture (nfr trains its model pool with it): config.train's.
ARCHITECTURE_KEY = 'architecture'
# Where a KIP run keeps its checkpoints across executions ('' = none); see executor.py.
CHECKPOINT_DIR_KEY = 'checkpoint_dir'
KIP_SET_FILE = 'kip_set.npz'


class KipSet(artifact.Artifact):
  """A distilled set as one `.npz` file (`kip_set.npz` under the uri) in the published
  KIP format: `images` float32 NHWC standardised, `labels` float32 (N, 10)."""
  TYPE_NAME = 'tfx_distill.KipSet'


class DistillerSpec(ComponentSpec):
  PARAMETERS = {
      METHOD_KEY: ExecutionParameter(type=str),
      IMAGES_PER_CLASS_KEY: ExecutionParameter(type=int),
      ARCHITECTURE_KEY: ExecutionParameter(type=str),
      **execution_parameters(DistillSettings),
      CHECKPOINT_DIR_KEY: ExecutionParameter(type=str, optional=True),
      **cache_key_parameters(CODE_VERSION),
  }
  INPUTS = {EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples)}
  OUTPUTS = {
      DISTILLED_KEY: ChannelParameter(type=standard_artifacts.Examples),
      KIP_SET_KEY: ChannelParameter(type=KipSet),
  }
