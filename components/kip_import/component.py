"""The KipImport component: a published KIP `.npz` (local or gs://) -> validated
Examples (split `train`) in the pipeline's example format, learned labels kept.

`examples` (the ingested Examples) is accepted for a ZCA transform fitted on the train
split; ZCA-whitened files are refused with a DataError for now (see `importer`), so it is
optional and unused."""

from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import channel_utils, standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from components.kip_import import executor

EXAMPLES_KEY = 'examples'
IMPORTED_KEY = 'imported'


class KipImportSpec(ComponentSpec):
  PARAMETERS = {'path': ExecutionParameter(type=str)}
  INPUTS = {EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples, optional=True)}
  OUTPUTS = {IMPORTED_KEY: ChannelParameter(type=standard_artifacts.Examples)}


class KipImport(base_component.BaseComponent):
  """Imports the KIP set at `path` as Examples with a `train` split."""

  SPEC_CLASS = KipImportSpec
  EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

  def __init__(self, path: str, examples=None):
    spec = KipImportSpec(
        path=path, examples=examples,
        imported=channel_utils.as_channel([standard_artifacts.Examples()]))
    super().__init__(spec=spec)
