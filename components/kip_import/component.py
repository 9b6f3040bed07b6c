"""The KipImport component: a published KIP `.npz` (local or gs://) -> validated
Examples (split `train`) in the pipeline's example format, learned labels kept.

The constructor's `examples` (the ingested Examples, input key `ingested`) is accepted
for a ZCA transform fitted on their train split; ZCA-whitened files are refused with a
DataError for now (see `importer`), so it is optional and unused. The output is
`examples`."""

from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import channel_utils, standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from components.kip_import import executor

INGESTED_KEY = 'ingested'
EXAMPLES_KEY = 'examples'


class KipImportSpec(ComponentSpec):
  PARAMETERS = {'path': ExecutionParameter(type=str)}
  INPUTS = {INGESTED_KEY: ChannelParameter(type=standard_artifacts.Examples, optional=True)}
  OUTPUTS = {EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples)}


class KipImport(base_component.BaseComponent):
  """Imports the KIP set at `path` as Examples with a `train` split."""

  SPEC_CLASS = KipImportSpec
  EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

  def __init__(self, path: str, examples=None):
    spec = KipImportSpec(
        path=path, ingested=examples,
        examples=channel_utils.as_channel([standard_artifacts.Examples()]))
    super().__init__(spec=spec)
