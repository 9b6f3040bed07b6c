"""The DataGate component's interface: its parameters (the fields of
ValidationSettings), inputs, output, the DataCheck artifact and its file."""

from tfx.types import artifact, standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec

from tfx_distill.components.data_gate.settings import ValidationSettings
from tfx_distill.contracts.parameters import (CODE_VERSION, cache_key_parameters,
                                               execution_parameters)

EXAMPLES_KEY = 'examples'  # input: the ingested Examples (named in messages)
STATISTICS_KEY = 'statistics'  # input: StatisticsGen's statistics of every split
SCHEMA_KEY = 'schema'  # input: the schema (imported or inferred)
ANOMALIES_KEY = 'anomalies'  # input: ExampleValidator's anomalies of every split
CHECK_KEY = 'check'  # output: what was checked and what was found
CHECK_FILE = 'data_check.json'


class DataCheck(artifact.Artifact):
  """The data validation of one run: `data_check.json` under the uri (the schema, whether
  anomalies were allowed, and every anomaly: split, feature, severity, description)."""
  TYPE_NAME = 'tfx_distill.DataCheck'  # importable as such: see tfx_distill/__init__.py


class DataGateSpec(ComponentSpec):
  PARAMETERS = {**execution_parameters(ValidationSettings),
                **cache_key_parameters(CODE_VERSION)}
  INPUTS = {
      EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples),
      STATISTICS_KEY: ChannelParameter(type=standard_artifacts.ExampleStatistics),
      SCHEMA_KEY: ChannelParameter(type=standard_artifacts.Schema),
      ANOMALIES_KEY: ChannelParameter(type=standard_artifacts.ExampleAnomalies),
  }
  OUTPUTS = {CHECK_KEY: ChannelParameter(type=DataCheck)}
