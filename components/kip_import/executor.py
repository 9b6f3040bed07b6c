"""Executor of the KipImport component: adapts artifacts, calls `importer`."""

from typing import Any, Dict, List

from absl import logging
from tfx.dsl.components.base import base_executor
from tfx.types import Artifact, artifact_utils

from tfx_distill.contracts.artifacts import read_examples, write_examples
from tfx_distill.contracts.example_format import EVAL, TRAIN, VALID
from tfx_distill.components.kip_import.importer import import_kip_set
from tfx_distill.components.kip_import.spec import (EXAMPLES_KEY, INDEX_KEY, INGESTED_KEY,
                                                    PATH_KEY)
from tfx_distill.contracts import identity


class Executor(base_executor.BaseExecutor):

  def Do(self, input_dict: Dict[str, List[Artifact]],
         output_dict: Dict[str, List[Artifact]],
         exec_properties: Dict[str, Any]) -> None:
    path = exec_properties[PATH_KEY]
    split = import_kip_set(path)
    ingested = artifact_utils.get_single_instance(input_dict[INGESTED_KEY])
    imported = artifact_utils.get_single_instance(output_dict[EXAMPLES_KEY])
    write_examples(imported, {TRAIN: split, VALID: read_examples(ingested, VALID),
                              EVAL: read_examples(ingested, EVAL)})
    identity.write(imported, identity.imported(int(exec_properties[INDEX_KEY])).properties())
    imported.set_string_custom_property('source_path', path)
    logging.info('KipImport %s: %d images', path, len(split.labels))
