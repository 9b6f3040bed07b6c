"""Executor of the Distiller component: adapts artifacts, calls `distill.distill`."""

import dataclasses
import os
from typing import Any, Dict, List

from absl import logging
from tfx.dsl.components.base import base_executor
from tfx.types import Artifact, artifact_utils

from components.artifacts import read_examples, write_examples
from components.distiller import kip_format
from components.distiller.distill import distill
from components.distiller.settings import DistillSettings
from components.example_format import make_split, unstandardise


def settings_from(exec_properties: Dict[str, Any]) -> DistillSettings:
  """DistillSettings from the component's parameters (bools arrive as ints)."""
  return DistillSettings(**{
      f.name: (bool(exec_properties[f.name]) if f.name == 'learn_labels'
               else exec_properties[f.name])
      for f in dataclasses.fields(DistillSettings)})


class Executor(base_executor.BaseExecutor):

  def Do(self, input_dict: Dict[str, List[Artifact]],
         output_dict: Dict[str, List[Artifact]],
         exec_properties: Dict[str, Any]) -> None:
    from components.distiller.component import KIP_SET_FILE  # pylint: disable=g-import-not-at-top
    pool = read_examples(artifact_utils.get_single_instance(input_dict['examples']), 'train')
    settings = settings_from(exec_properties)
    method = exec_properties['method']
    result = distill(pool.images, pool.labels, method,
                     exec_properties['images_per_class'], settings,
                     progress=lambda step, loss, acc: logging.info(
                         'distill %s step %d loss %.5f target acc %.3f', method, step,
                         loss, acc))
    kip_set = artifact_utils.get_single_instance(output_dict['kip_set'])
    kip_format.save(os.path.join(kip_set.uri, KIP_SET_FILE), result.images, result.labels)
    distilled = artifact_utils.get_single_instance(output_dict['distilled'])
    write_examples(distilled, {'train': make_split(
        unstandardise(result.images[..., 0]), result.classes, result.labels)})
    for artifact in (distilled, kip_set):
      artifact.set_string_custom_property('method', method)
      artifact.set_int_custom_property('images_per_class', exec_properties['images_per_class'])
      for key, value in result.info.items():
        artifact.set_float_custom_property(key, float(value))
