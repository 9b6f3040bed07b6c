"""Executor of the Ingest component: adapts artifacts, calls `ingest.build_splits`."""

from typing import Any, Dict, List

from absl import logging
from tfx.dsl.components.base import base_executor
from tfx.types import Artifact, artifact_utils

from tfx_distill.contracts.artifacts import write_examples
from tfx_distill.components.ingest.ingest import build_splits, class_counts
from tfx_distill.components.ingest.settings import IngestSettings
from tfx_distill.components.ingest.spec import EXAMPLES_KEY
from tfx_distill.contracts.parameters import SOURCE_FINGERPRINT, from_properties


class Executor(base_executor.BaseExecutor):

  def Do(self, input_dict: Dict[str, List[Artifact]],
         output_dict: Dict[str, List[Artifact]],
         exec_properties: Dict[str, Any]) -> None:
    settings = from_properties(IngestSettings, exec_properties)
    splits = build_splits(settings)
    examples = artifact_utils.get_single_instance(output_dict[EXAMPLES_KEY])
    write_examples(examples, splits)
    examples.set_string_custom_property('source', settings.data)
    if exec_properties.get(SOURCE_FINGERPRINT):
      examples.set_string_custom_property(SOURCE_FINGERPRINT,
                                          exec_properties[SOURCE_FINGERPRINT])
    for name, split in splits.items():
      logging.info('Ingest %s: %d examples, per class %s', name, len(split.labels),
                   class_counts(split).tolist())
