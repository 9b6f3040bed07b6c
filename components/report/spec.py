"""The Report component's interface: its parameter, output key, the Report artifact,
and the artifact types it reads (one optional input per upstream output channel)."""

from tfx.types import artifact, standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from tfx_distill.components.data_gate.spec import DataCheck
from tfx_distill.contracts.parameters import CODE_VERSION, cache_key_parameters
from tfx_distill.components.set_publisher.spec import PublishedSet
from tfx_distill.components.transfer.spec import TransferResult

REPORT_KEY = 'report'
CONFIG_KEY = 'config'  # the PipelineConfig as JSON, recorded for provenance


def provenance(pipeline_name, run_id, config: dict, **more) -> dict:
  """What made a run, as the report shows it: the pipeline's name (or the config's),
  the run's id, the preset, the seeds and the config; `more` adds to it. The Report
  executor and `tfx-distill report` (mlmd.py) both build it here."""
  return {'pipeline_name': pipeline_name or config.get('pipeline_name'),
          'pipeline_run_id': run_id, 'preset': config.get('preset'),
          'seeds': config.get('seeds'), 'config': config or None, **more}
# The artifact types the report reads.
INPUT_TYPES = (standard_artifacts.ModelEvaluation, standard_artifacts.ModelRun,
               standard_artifacts.Model, standard_artifacts.ModelBlessing,
               standard_artifacts.Examples, standard_artifacts.PushedModel, DataCheck,
               PublishedSet, TransferResult)


class Report(artifact.Artifact):
  """A report directory: index.html (self-contained), summary.json, summary.md."""
  TYPE_NAME = 'tfx_distill.Report'


class ReportSpec(ComponentSpec):
  """Parameters and output; `component.spec_class_for` adds one pipeline's inputs."""
  PARAMETERS = {CONFIG_KEY: ExecutionParameter(type=str),
                **cache_key_parameters(CODE_VERSION)}
  INPUTS = {}
  OUTPUTS = {REPORT_KEY: ChannelParameter(type=Report)}
