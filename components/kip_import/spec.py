"""The KipImport component's interface: the file it reads and its input/output keys."""

from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

PATH_KEY = 'path'
INGESTED_KEY = 'ingested'  # optional input: the ingested Examples (for a future ZCA fit)
EXAMPLES_KEY = 'examples'  # output: the imported set as Examples (split `train`)


class KipImportSpec(ComponentSpec):
  PARAMETERS = {PATH_KEY: ExecutionParameter(type=str)}
  INPUTS = {INGESTED_KEY: ChannelParameter(type=standard_artifacts.Examples, optional=True)}
  OUTPUTS = {EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples)}
