"""Executor of the SetPublisher: when the seed-0 model of a distilled candidate was
blessed and pushed, publishes its set (`publish.py`) in the pushed model's version;
otherwise writes nothing and records `published` = 0."""

import datetime
import importlib.metadata
import json
import os
from typing import Any, Dict, List, Optional

import tensorflow as tf
from absl import logging
from tfx.dsl.components.base import base_executor
from tfx.types import Artifact, artifact_utils

from tfx_distill import DISTRIBUTION
from tfx_distill.components.distiller.spec import (DISTILL_RESULT_KEY, DISTILL_SETTINGS_KEY,
                                                   IMAGES_PER_CLASS_KEY, KIP_SET_FILE,
                                                   METHOD_KEY)
from tfx_distill.contracts import identity
from tfx_distill.blessing.result import read_evaluation
from tfx_distill.components.set_publisher.publish import Scores, publish_set, set_record
from tfx_distill.components.set_publisher.spec import (BASE_DIRECTORY_KEY, BLESSING_KEY,
                                                       EVALUATION_KEY, KIP_SET_KEY,
                                                       PUBLISHED, PUBLISHED_SET_KEY,
                                                       PUBLISHED_TO, PUBLISHED_VERSION,
                                                       PUSHED_MODEL_KEY, RECORD_FILE)

def _package_version() -> Optional[str]:
  try:
    return importlib.metadata.version(DISTRIBUTION)
  except importlib.metadata.PackageNotFoundError:
    return None


def _distill_result(kip_set: Artifact) -> Dict[str, float]:
  """The distillation's figures the Distiller recorded (its loss, steps, ...)."""
  return json.loads(kip_set.get_string_custom_property(DISTILL_RESULT_KEY) or '{}')


class Executor(base_executor.BaseExecutor):

  def Do(self, input_dict: Dict[str, List[Artifact]],
         output_dict: Dict[str, List[Artifact]],
         exec_properties: Dict[str, Any]) -> None:
    published = artifact_utils.get_single_instance(output_dict[PUBLISHED_SET_KEY])
    blessing = artifact_utils.get_single_instance(input_dict[BLESSING_KEY])
    identity.copy(blessing, published)  # its model's training set (contracts/identity.py)
    pushed = artifact_utils.get_single_instance(input_dict[PUSHED_MODEL_KEY])
    if not (blessing.get_int_custom_property('blessed') == 1
            and pushed.get_int_custom_property('pushed') == 1):
      logging.info('set not published: its seed-0 model was not blessed and pushed')
      published.set_int_custom_property(PUBLISHED, 0)
      return
    kip_set = artifact_utils.get_single_instance(input_dict[KIP_SET_KEY])
    method = kip_set.get_string_custom_property(METHOD_KEY)
    images_per_class = kip_set.get_int_custom_property(IMAGES_PER_CLASS_KEY)
    evaluation = read_evaluation(
        artifact_utils.get_single_instance(input_dict[EVALUATION_KEY]).uri)
    version = pushed.get_string_custom_property('pushed_version')
    source = os.path.join(kip_set.uri, KIP_SET_FILE)
    record = set_record(
        source, training_set=identity.distilled(method, images_per_class).data_name,
        method=method,
        images_per_class=images_per_class,
        settings=json.loads(kip_set.get_string_custom_property(DISTILL_SETTINGS_KEY)
                            or '{}'),
        result=_distill_result(kip_set),
        scores=Scores(evaluation.accuracy, evaluation.calibration_error,
                      evaluation.example_count),
        model_path=pushed.get_string_custom_property('pushed_destination'),
        model_version=version,
        pipeline_run_id=getattr(self._context, 'pipeline_run_id', None),
        package_version=_package_version(),
        now=datetime.datetime.now(datetime.timezone.utc))
    # The artifact's own copy is the staging directory of the push.
    tf.io.gfile.makedirs(published.uri)
    tf.io.gfile.copy(source, os.path.join(published.uri, KIP_SET_FILE), overwrite=True)
    with tf.io.gfile.GFile(os.path.join(published.uri, RECORD_FILE), 'w') as f:
      f.write(json.dumps(record, indent=1, sort_keys=True) + '\n')
    path = publish_set(published.uri, exec_properties[BASE_DIRECTORY_KEY], version)
    logging.info('Distilled set published to %s.', path)
    published.set_int_custom_property(PUBLISHED, 1)
    published.set_string_custom_property(PUBLISHED_TO, path)
    published.set_string_custom_property(PUBLISHED_VERSION, version)
