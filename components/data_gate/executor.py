"""Executor of the DataGate: adapts artifacts, calls `anomalies` (see its docstring)."""

import json
import os
from typing import Any, Dict, List, Tuple

from absl import logging
from tfx.components.example_validator.executor import DEFAULT_FILE_NAME
from tfx.dsl.components.base import base_executor
from tfx.types import Artifact, artifact_utils
from tfx.utils import io_utils
from tensorflow_metadata.proto.v0 import anomalies_pb2

from tfx_distill.components.data_gate import anomalies as anomalies_lib
from tfx_distill.components.data_gate import distribution
from tfx_distill.components.data_gate.settings import ValidationSettings, schema_label
from tfx_distill.components.data_gate.spec import (ANOMALIES_KEY, CHECK_FILE, CHECK_KEY,
                                                   DRIFT_KEY, EXAMPLES_KEY, SKEW_KEY)
from tfx_distill.contracts.errors import DataError
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


def distribution_anomalies(anomalies: Artifact,
                           baseline: str) -> Tuple[dict, List[anomalies_lib.Anomaly]]:
  """({checked: compared anything, ignored_baseline: uri of statistics from elsewhere
  or ''}, anomalies) of a DistributionValidator's output; `baseline` names its
  baseline statistics in each anomaly's place ('' for the same run's)."""
  blessed, pairs = distribution.split_pair_anomalies(anomalies)
  found = []
  for test, base, proto in pairs:
    found += anomalies_lib.from_proto(proto, f'split {test} vs {baseline}{base}')
  ignored = (anomalies.get_string_custom_property(distribution.BASELINE_IGNORED)
             if anomalies.has_custom_property(distribution.BASELINE_IGNORED) else '')
  return {'checked': distribution.had_baseline(blessed), 'ignored_baseline': ignored}, found


class Executor(base_executor.BaseExecutor):

  def Do(self, input_dict: Dict[str, List[Artifact]],
         output_dict: Dict[str, List[Artifact]],
         exec_properties: Dict[str, Any]) -> None:
    settings = from_properties(ValidationSettings, exec_properties)
    examples = artifact_utils.get_single_instance(input_dict[EXAMPLES_KEY])
    source = (examples.get_string_custom_property('source')
              if examples.has_custom_property('source') else examples.uri)
    _, skew = distribution_anomalies(
        artifact_utils.get_single_instance(input_dict[SKEW_KEY]), '')
    drift_done, drift = distribution_anomalies(
        artifact_utils.get_single_instance(input_dict[DRIFT_KEY]), "the last run's ")
    found = (validator_anomalies(artifact_utils.get_single_instance(
        input_dict[ANOMALIES_KEY])) + skew + drift)
    if found and not settings.allow_anomalies:
      raise DataError(source, anomalies_lib.summary(found, schema_label(settings.schema_file)))
    for anomaly in found:
      logging.warning('DataGate: allowed anomaly: %s', anomaly.line())
    if not drift_done['checked']:
      logging.info('DataGate: no drift checked (no statistics of an earlier run of this '
                   'pipeline root%s)', f"; ignored {drift_done['ignored_baseline']}"
                   if drift_done['ignored_baseline'] else '')
    check = artifact_utils.get_single_instance(output_dict[CHECK_KEY])
    io_utils.write_string_file(os.path.join(check.uri, CHECK_FILE), json.dumps({
        'schema': settings.schema_file, 'source': source,
        'allow_anomalies': settings.allow_anomalies,
        'drift': drift_done,
        'anomalies': anomalies_lib.as_records(found)}, indent=1))
    check.set_int_custom_property('anomalies', len(found))
    check.set_int_custom_property('allow_anomalies', int(settings.allow_anomalies))
    check.set_int_custom_property('drift_checked', int(drift_done['checked']))
    check.set_string_custom_property('schema', settings.schema_file)
