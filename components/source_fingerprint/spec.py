"""The SourceFingerprint component's interface: the source to fingerprint (the Ingest
settings that name its files), an id of the pipeline run (for the cache, see the
component), and its one output, the fingerprint as a String artifact (also a parameter
of the compiled task, which Ingest's `source_fingerprint` takes)."""

from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

FINGERPRINT_KEY = 'fingerprint'  # output: the source's fingerprint (a String)
DATA_KEY = 'data'  # IngestSettings.data: the source, e.g. npz:gs://bucket/digits.npz
RUN_ID_KEY = 'run_id'  # the pipeline run, so that no cache ever reuses a fingerprint


class SourceFingerprintSpec(ComponentSpec):
  PARAMETERS = {
      DATA_KEY: ExecutionParameter(type=str),
      'tfds_data_dir': ExecutionParameter(type=str),
      'tfds_manual_dir': ExecutionParameter(type=str),
      'tfds_download': ExecutionParameter(type=int),
      RUN_ID_KEY: ExecutionParameter(type=str),
  }
  INPUTS = {}
  OUTPUTS = {FINGERPRINT_KEY: ChannelParameter(type=standard_artifacts.String)}
