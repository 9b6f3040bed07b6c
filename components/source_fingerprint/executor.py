"""Executor of the SourceFingerprint: the source's fingerprint as the pipeline runs
(contracts/sources.fingerprint: path, size and modification time of every
file it reads; DataError, naming the file, when one is missing or unreadable)."""

import os
from typing import Any, Dict, List

from absl import logging
from tfx.dsl.components.base import base_executor
from tfx.dsl.io import fileio
from tfx.types import Artifact, artifact_utils

from tfx_distill.contracts import sources
from tfx_distill.components.source_fingerprint.spec import DATA_KEY, FINGERPRINT_KEY


class Executor(base_executor.BaseExecutor):

  def Do(self, input_dict: Dict[str, List[Artifact]],
         output_dict: Dict[str, List[Artifact]],
         exec_properties: Dict[str, Any]) -> None:
    del input_dict
    spec = exec_properties[DATA_KEY]
    value = sources.fingerprint(spec, sources.TfdsOptions(
        exec_properties['tfds_data_dir'], exec_properties['tfds_manual_dir'],
        bool(exec_properties['tfds_download'])))
    logging.info('fingerprint of %s: %s', spec, value)
    artifact = artifact_utils.get_single_instance(output_dict[FINGERPRINT_KEY])
    fileio.makedirs(os.path.dirname(artifact.uri))
    artifact.value = value  # written to the artifact's uri, a file
