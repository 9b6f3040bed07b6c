"""The DataGate component's interface: its parameters (the fields of
ValidationSettings), inputs, output, the DataCheck artifact and its file."""

from tfx.types import artifact, standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec

from tfx_distill.components.data_gate.settings import ValidationSettings
from tfx_distill.contracts.parameters import (CODE_VERSION, cache_key_parameters,
                                               execution_parameters)

EXAMPLES_KEY = 'examples'  # input: the ingested Examples (named in messages)
ANOMALIES_KEY = 'anomalies'  # input: ExampleValidator's anomalies of every split
SKEW_KEY = 'skew'  # input: DistributionValidator's anomalies, eval against train
DRIFT_KEY = 'drift'  # input: DistributionValidator's anomalies, against the last run
CHECK_KEY = 'check'  # output: what was checked and what was found
CHECK_FILE = 'data_check.json'


class DataCheck(artifact.Artifact):
  """The data validation of one run: `data_check.json` under the uri (the schema, whether
  anomalies were allowed, whether there was a last run to compare with, and every
  anomaly: where, feature, severity, description)."""
  TYPE_NAME = 'tfx_distill.DataCheck'  # importable as such: see tfx_distill/__init__.py


class DataGateSpec(ComponentSpec):
  PARAMETERS = {**execution_parameters(ValidationSettings),
                **cache_key_parameters(CODE_VERSION)}
  INPUTS = {
      EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples),
      ANOMALIES_KEY: ChannelParameter(type=standard_artifacts.ExampleAnomalies),
      SKEW_KEY: ChannelParameter(type=standard_artifacts.ExampleAnomalies),
      DRIFT_KEY: ChannelParameter(type=standard_artifacts.ExampleAnomalies),
  }
  OUTPUTS = {CHECK_KEY: ChannelParameter(type=DataCheck)}
