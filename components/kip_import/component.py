"""The KipImport component: a published KIP `.npz` (local or gs://) -> validated
Examples in the pipeline's example format, learned labels kept: split `train`, and the
`valid` split of the ingested Examples (input key `ingested`) copied beside it, as every
training set has (contracts/example_format.py). ZCA-whitened files are refused with a
DataError (see `importer`)."""

from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import channel_utils, standard_artifacts

from tfx_distill.components.kip_import import executor
from tfx_distill.components.kip_import.spec import (EXAMPLES_KEY, INDEX_KEY, INGESTED_KEY,
                                                    PATH_KEY, KipImportSpec)
from tfx_distill.contracts.parameters import CODE_VERSION, SOURCE_FINGERPRINT


class KipImport(base_component.BaseComponent):
  """Imports the KIP set at `path` as Examples with a `train` split."""

  SPEC_CLASS = KipImportSpec
  EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

  def __init__(self, path: str, examples, index: int = 0, source_fingerprint: str = '',
               code_version: str = ''):
    """index: which --kip-set (its training set, contracts/identity.py);
    source_fingerprint, code_version: what TFX's cache must see besides the path
    (pipeline/cache_keys.py)."""
    spec = KipImportSpec(**{
        PATH_KEY: path, INDEX_KEY: index, INGESTED_KEY: examples,
        SOURCE_FINGERPRINT: source_fingerprint,
        CODE_VERSION: code_version,
        EXAMPLES_KEY: channel_utils.as_channel([standard_artifacts.Examples()])})
    super().__init__(spec=spec)
