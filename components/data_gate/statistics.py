"""The data's statistics: TFX's StatisticsGen, whose statistics also carry their
pipeline's name (custom property `pipeline_name`, contracts/identity.py), written by the
step itself. On Kubeflow and Vertex the drift check's last statistics are found by a
metadata query (`LatestStatistics`), which TFX's compiler reduces to the artifact's
type: the name keeps another pipeline's statistics in the same metadata store out of it
(kubeflow/compile.py, `restrict_queries`)."""

from typing import Any, Dict, List

from tfx import types
from tfx.components.statistics_gen import executor as statistics_executor
from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types import standard_artifacts, standard_component_specs
from tfx.types.component_spec import ExecutionParameter

from tfx_distill.contracts import identity

STATISTICS_KEY = standard_component_specs.STATISTICS_KEY


class StatisticsGenSpec(standard_component_specs.StatisticsGenSpec):
  PARAMETERS = {**standard_component_specs.StatisticsGenSpec.PARAMETERS,
                identity.PIPELINE: ExecutionParameter(type=str)}


class Executor(statistics_executor.Executor):
  """TFX's StatisticsGen executor; then the pipeline's name on its statistics."""

  def Do(self, input_dict: Dict[str, List[types.Artifact]],
         output_dict: Dict[str, List[types.Artifact]],
         exec_properties: Dict[str, Any]) -> None:
    properties = dict(exec_properties)
    pipeline = properties.pop(identity.PIPELINE)
    result = super().Do(input_dict, output_dict, properties)
    for statistics in output_dict[STATISTICS_KEY]:
      statistics.set_string_custom_property(identity.PIPELINE, pipeline)
    return result


class StatisticsGen(base_beam_component.BaseBeamComponent):
  """TFX's StatisticsGen (same node id, inputs and output), for one pipeline."""

  SPEC_CLASS = StatisticsGenSpec
  EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(Executor)

  def __init__(self, examples: types.BaseChannel, pipeline_name: str,
               schema: types.BaseChannel = None):
    super().__init__(spec=StatisticsGenSpec(**{
        standard_component_specs.EXAMPLES_KEY: examples,
        standard_component_specs.SCHEMA_KEY: schema,
        identity.PIPELINE: pipeline_name,
        STATISTICS_KEY: types.Channel(type=standard_artifacts.ExampleStatistics)}))
