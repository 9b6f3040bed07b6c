"""Executor of the DataGate: adapts artifacts, calls `anomalies` (see its docstring)."""

import json
import os
from typing import Any, Dict, List

from absl import logging
from tfx.components.example_validator.executor import DEFAULT_FILE_NAME
from tfx.components.statistics_gen import stats_artifact_utils
from tfx.dsl.components.base import base_executor
from tfx.types import Artifact, artifact_utils
from tfx.utils import io_utils
from tensorflow_metadata.proto.v0 import anomalies_pb2

from tfx_distill.components.data_gate import anomalies as anomalies_lib
from tfx_distill.components.data_gate.settings import ValidationSettings
from tfx_distill.components.data_gate.spec import (ANOMALIES_KEY, CHECK_FILE, CHECK_KEY,
                                                   EXAMPLES_KEY, SCHEMA_KEY,
                                                   STATISTICS_KEY)
from tfx_distill.contracts.errors import DataError
from tfx_distill.contracts.example_format import EVAL, TRAIN
from tfx_distill.contracts.parameters import from_properties


def validator_anomalies(anomalies: Artifact) -> List[anomalies_lib.Anomaly]:
  """ExampleValidator's anomalies of every split it validated."""
  found = []
  for split in artifact_utils.decode_split_names(anomalies.split_names):
    proto = anomalies_pb2.Anomalies()
    proto.ParseFromString(io_utils.read_bytes_file(os.path.join(
        artifact_utils.get_split_uri([anomalies], split), DEFAULT_FILE_NAME)))
    found += anomalies_lib.from_proto(proto, f'split {split}')
  return found


def skew_anomalies(statistics: Artifact, schema_uri: str) -> List[anomalies_lib.Anomaly]:
  """The schema's skew comparators, eval split against train split."""
  splits = artifact_utils.decode_split_names(statistics.split_names)
  if not {TRAIN, EVAL} <= set(splits):
    return []
  schema = io_utils.SchemaReader().read(io_utils.get_only_uri_in_dir(schema_uri))
  train, evaluation = (stats_artifact_utils.load_statistics(statistics, split).proto()
                       for split in (TRAIN, EVAL))
  return anomalies_lib.skew(train, evaluation, schema, f'split {EVAL} vs {TRAIN}')


class Executor(base_executor.BaseExecutor):

  def Do(self, input_dict: Dict[str, List[Artifact]],
         output_dict: Dict[str, List[Artifact]],
         exec_properties: Dict[str, Any]) -> None:
    settings = from_properties(ValidationSettings, exec_properties)
    examples = artifact_utils.get_single_instance(input_dict[EXAMPLES_KEY])
    source = (examples.get_string_custom_property('source')
              if examples.has_custom_property('source') else examples.uri)
    found = (validator_anomalies(artifact_utils.get_single_instance(
        input_dict[ANOMALIES_KEY])) + skew_anomalies(
            artifact_utils.get_single_instance(input_dict[STATISTICS_KEY]),
            artifact_utils.get_single_uri(input_dict[SCHEMA_KEY])))
    if found and not settings.allow_anomalies:
      raise DataError(source, anomalies_lib.summary(found, settings.schema_file))
    for anomaly in found:
      logging.warning('DataGate: allowed anomaly: %s', anomaly.line())
    check = artifact_utils.get_single_instance(output_dict[CHECK_KEY])
    io_utils.write_string_file(os.path.join(check.uri, CHECK_FILE), json.dumps({
        'schema': settings.schema_file, 'source': source,
        'allow_anomalies': settings.allow_anomalies,
        'anomalies': anomalies_lib.as_records(found)}, indent=1))
    check.set_int_custom_property('anomalies', len(found))
    check.set_int_custom_property('allow_anomalies', int(settings.allow_anomalies))
    check.set_string_custom_property('schema', settings.schema_file)
