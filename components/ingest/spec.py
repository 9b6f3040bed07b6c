"""The Ingest component's interface: its parameters (the fields of IngestSettings) and
its output key."""

from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec

from tfx_distill.components.ingest.settings import IngestSettings
from tfx_distill.components.parameters import execution_parameters

EXAMPLES_KEY = 'examples'


class IngestSpec(ComponentSpec):
  PARAMETERS = execution_parameters(IngestSettings)
  INPUTS = {}
  OUTPUTS = {EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples)}
