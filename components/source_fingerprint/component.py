"""The SourceFingerprint component: in a compiled pipeline, the fingerprint of the data
source, read when the pipeline runs, for Ingest's cache key (KipImport's, for a
--kip-set file).

Locally the fingerprints are read when the pipeline is built (pipeline/cache_keys.py).
A compiled pipeline cannot do that: the file behind `--data` may change between
submissions of one compiled job, and the `data` runtime parameter may name another
file at submission. So the compiled job reads it first, in this step, whose output is
an input parameter of Ingest: Vertex and Kubeflow compare parameter values in their
cache keys, so Ingest (and everything after it) is reused only while the files are the
same. This step itself must never be taken from the cache: its task has caching off
(kubeflow/compile.py) and a `run_id` of `{{$.pipeline_job_uuid}}`, which differs from
run to run, for when caching is forced on at submission."""

from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import channel_utils, standard_artifacts

from tfx_distill.contracts.sources import TfdsOptions
from tfx_distill.components.source_fingerprint import executor
from tfx_distill.components.source_fingerprint.spec import (DATA_KEY, FINGERPRINT_KEY,
                                                            RUN_ID_KEY,
                                                            SourceFingerprintSpec)

# Replaced by Vertex AI Pipelines (and Kubeflow Pipelines' newer backends) with the
# run's id (kfp.dsl.PIPELINE_JOB_ID_PLACEHOLDER).
PIPELINE_JOB_ID = '{{$.pipeline_job_uuid}}'


class SourceFingerprint(base_component.BaseComponent):
  """Fingerprints `data`, a source of contracts/sources.SOURCES (`npz:PATH`
  for a --kip-set file)."""

  SPEC_CLASS = SourceFingerprintSpec
  EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

  def __init__(self, data: str, tfds: TfdsOptions = TfdsOptions()):
    spec = SourceFingerprintSpec(**{
        DATA_KEY: data, 'tfds_data_dir': tfds.data_dir, 'tfds_manual_dir': tfds.manual_dir,
        'tfds_download': int(tfds.download), RUN_ID_KEY: PIPELINE_JOB_ID,
        FINGERPRINT_KEY: channel_utils.as_channel([standard_artifacts.String()])})
    super().__init__(spec=spec)

  @property
  def fingerprint(self):
    """The fingerprint, as a value for another component's parameter."""
    return self.outputs[FINGERPRINT_KEY].future()[0].value
