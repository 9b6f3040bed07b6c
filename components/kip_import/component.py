"""The KipImport component: a published KIP `.npz` (local or gs://) -> validated
Examples (split `train`) in the pipeline's example format, learned labels kept.

The constructor's `examples` (the ingested Examples, input key `ingested`) is accepted
for a ZCA transform fitted on their train split; ZCA-whitened files are refused with a
DataError for now (see `importer`), so it is optional and unused."""

from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import channel_utils, standard_artifacts

from tfx_distill.components.kip_import import executor
from tfx_distill.components.kip_import.spec import (EXAMPLES_KEY, INGESTED_KEY, PATH_KEY,
                                                    KipImportSpec)


class KipImport(base_component.BaseComponent):
  """Imports the KIP set at `path` as Examples with a `train` split."""

  SPEC_CLASS = KipImportSpec
  EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

  def __init__(self, path: str, examples=None):
    spec = KipImportSpec(**{
        PATH_KEY: path, INGESTED_KEY: examples,
        EXAMPLES_KEY: channel_utils.as_channel([standard_artifacts.Examples()])})
    super().__init__(spec=spec)
