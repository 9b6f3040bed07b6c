"""The Ingest component: digits from any source -> GZIP TFRecords of tf.Example with
stratified `train` and `eval` splits."""

from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import channel_utils, standard_artifacts

from tfx_distill.components.ingest import executor
from tfx_distill.components.ingest.settings import IngestSettings
from tfx_distill.components.ingest.spec import EXAMPLES_KEY, IngestSpec
from tfx_distill.contracts.parameters import (CODE_VERSION, SOURCE_FINGERPRINT,
                                               to_parameters)


class Ingest(base_component.BaseComponent):
  """Reads `settings.data` (a source of sources.SOURCES: sample, tfds:NAME, ...) and
  writes validated Examples with `train` and `eval` splits."""

  SPEC_CLASS = IngestSpec
  EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

  def __init__(self, settings: IngestSettings = IngestSettings(),
               source_fingerprint: str = '', code_version: str = ''):
    """source_fingerprint, code_version: what TFX's cache must see besides the settings
    (pipeline/cache_keys.py)."""
    spec = IngestSpec(**to_parameters(settings.validate()), **{
        SOURCE_FINGERPRINT: source_fingerprint, CODE_VERSION: code_version,
        EXAMPLES_KEY: channel_utils.as_channel([standard_artifacts.Examples()])})
    super().__init__(spec=spec)
