"""Executor of the Distiller component: adapts artifacts, calls `distill.distill`."""

import os
from typing import Any, Dict, List

from absl import logging
from tfx.dsl.components.base import base_executor
from tfx.types import Artifact, artifact_utils

from tfx_distill.components import kip_format
from tfx_distill.components.artifacts import read_examples, write_examples
from tfx_distill.components.distiller.distill import distill
from tfx_distill.components.distiller.settings import DistillSettings
from tfx_distill.components.distiller.spec import (DISTILLED_KEY, EXAMPLES_KEY,
                                                   IMAGES_PER_CLASS_KEY, KIP_SET_FILE,
                                                   KIP_SET_KEY, METHOD_KEY)
from tfx_distill.components.example_format import (TRAIN, VALID, make_split,
                                                   unstandardise)
from tfx_distill.components.parameters import from_properties


class Executor(base_executor.BaseExecutor):

  def Do(self, input_dict: Dict[str, List[Artifact]],
         output_dict: Dict[str, List[Artifact]],
         exec_properties: Dict[str, Any]) -> None:
    ingested = artifact_utils.get_single_instance(input_dict[EXAMPLES_KEY])
    pool = read_examples(ingested, TRAIN)
    settings = from_properties(DistillSettings, exec_properties)
    method = exec_properties[METHOD_KEY]
    images_per_class = exec_properties[IMAGES_PER_CLASS_KEY]
    result = distill(pool.images, pool.labels, method, images_per_class, settings,
                     progress=lambda step, loss, acc: logging.info(
                         'distill %s step %d loss %.5f target acc %.3f', method, step,
                         loss, acc))
    kip_set = artifact_utils.get_single_instance(output_dict[KIP_SET_KEY])
    kip_format.save(os.path.join(kip_set.uri, KIP_SET_FILE), result.images, result.labels)
    distilled = artifact_utils.get_single_instance(output_dict[DISTILLED_KEY])
    write_examples(distilled, {
        TRAIN: make_split(unstandardise(result.images[..., 0]), result.classes,
                          result.labels),
        VALID: read_examples(ingested, VALID)})
    for artifact in (distilled, kip_set):
      artifact.set_string_custom_property(METHOD_KEY, method)
      artifact.set_int_custom_property(IMAGES_PER_CLASS_KEY, images_per_class)
      for key, value in result.info.items():
        artifact.set_float_custom_property(key, float(value))
