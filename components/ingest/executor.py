"""Executor of the Ingest component: adapts artifacts, calls `ingest.build_splits`."""

from typing import Any, Dict, List

from absl import logging
from tfx.dsl.components.base import base_executor
from tfx.types import Artifact, artifact_utils

from components.artifacts import write_examples
from components.ingest.ingest import build_splits, class_counts


class Executor(base_executor.BaseExecutor):

  def Do(self, input_dict: Dict[str, List[Artifact]],
         output_dict: Dict[str, List[Artifact]],
         exec_properties: Dict[str, Any]) -> None:
    splits = build_splits(
        data=exec_properties['data'],
        eval_fraction=exec_properties['eval_fraction'],
        eval_source=exec_properties['eval_source'],
        max_examples=exec_properties['max_examples'],
        seed=exec_properties['seed'],
        tfds_data_dir=exec_properties.get('tfds_data_dir') or '',
        tfds_manual_dir=exec_properties.get('tfds_manual_dir') or '')
    examples = artifact_utils.get_single_instance(output_dict['examples'])
    write_examples(examples, splits)
    examples.set_string_custom_property('source', exec_properties['data'])
    for name, split in splits.items():
      logging.info('Ingest %s: %d examples, per class %s', name, len(split.labels),
                   class_counts(split).tolist())
