"""The DataGate component: stands between the data checks and every training node (they
are made to wait for it), so that data breaking the schema stops the run before
anything trains, unless anomalies are allowed.

Not a `channel.union` or a conditional: a plain component with a task dependency, which
runs the same on the LocalDagRunner and compiles for Kubeflow V2 / Vertex."""

from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import channel_utils

from tfx_distill.components.data_gate import executor
from tfx_distill.components.data_gate.settings import ValidationSettings
from tfx_distill.components.data_gate.spec import (ANOMALIES_KEY, CHECK_KEY, DRIFT_KEY,
                                                   EXAMPLES_KEY, SKEW_KEY, DataCheck,
                                                   DataGateSpec)
from tfx_distill.contracts.parameters import CODE_VERSION, to_parameters


class DataGate(base_component.BaseComponent):
  """Fails when ExampleValidator's `anomalies` or the DistributionValidators' (`skew`:
  eval split against train split; `drift`: against the last run) hold anything, unless
  `settings.allow_anomalies`; records what it found either way."""

  SPEC_CLASS = DataGateSpec
  EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

  def __init__(self, examples, anomalies, skew, drift,
               settings: ValidationSettings = ValidationSettings(), code_version: str = ''):
    """code_version: for TFX's cache (pipeline/cache_keys.py)."""
    spec = DataGateSpec(**to_parameters(settings.validate()), **{CODE_VERSION: code_version,
        EXAMPLES_KEY: examples, ANOMALIES_KEY: anomalies, SKEW_KEY: skew, DRIFT_KEY: drift,
        CHECK_KEY: channel_utils.as_channel([DataCheck()])})
    super().__init__(spec=spec)
