"""The Ingest component's interface: its parameters (the fields of IngestSettings, and the
cache's fingerprints of the source and the code) and its output key."""

from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec

from tfx_distill.components.ingest.settings import IngestSettings
from tfx_distill.contracts.parameters import (CODE_VERSION, SOURCE_FINGERPRINT,
                                               cache_key_parameters, execution_parameters)

EXAMPLES_KEY = 'examples'


class IngestSpec(ComponentSpec):
  PARAMETERS = {**execution_parameters(IngestSettings),
                **cache_key_parameters(SOURCE_FINGERPRINT, CODE_VERSION)}
  INPUTS = {}
  OUTPUTS = {EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples)}
