"""Gathers a run's artifacts into what the report shows, keyed by training set and
seed: what each artifact was made for, as its properties say (contracts/identity.py),
never its uri."""

import dataclasses
import json
import os
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple

import tensorflow as tf
from absl import logging

from tfx_distill.components.data_gate.spec import CHECK_FILE, DataCheck
from tfx_distill.components.distiller.spec import DISTILL_SECONDS
from tfx_distill.contracts.example_format import EVAL, TRAIN, Split, read_split
from tfx_distill.contracts.model_format import SERVING_SUBDIR, read_record
from tfx_distill.contracts import identity
from tfx_distill.contracts.identity import TrainingSet
from tfx_distill.blessing.result import Evaluation, Thresholds, read_evaluation
from tfx_distill.components.report.summary import ModelResult
from tfx_distill.components.set_publisher.spec import PUBLISHED, PUBLISHED_TO, PublishedSet
from tfx_distill.components.transfer.spec import RESULT_FILE, TransferResult

EVALUATION = 'ModelEvaluation'
MODEL_RUN = 'ModelRun'
MODEL = 'Model'
BLESSING = 'ModelBlessing'
EXAMPLES = 'Examples'
PUSHED_MODEL = 'PushedModel'
DATA_CHECK = DataCheck.TYPE_NAME
PUBLISHED_SET = PublishedSet.TYPE_NAME
TRANSFER = TransferResult.TYPE_NAME
TYPE_NAMES = (EVALUATION, MODEL_RUN, MODEL, BLESSING, EXAMPLES, PUSHED_MODEL, DATA_CHECK,
              PUBLISHED_SET, TRANSFER)

Key = Tuple[str, int]  # (training set, seed)


class ArtifactRef(NamedTuple):
  """An artifact as the report needs it, from an executor's input_dict or from MLMD:
  type name, uri, and its properties and custom properties as plain values."""
  type_name: str
  uri: str
  properties: Dict[str, Any]


@dataclasses.dataclass
class Collected:
  """A run's results, keyed by training set (and seed)."""
  results: List[ModelResult] = dataclasses.field(default_factory=list)
  training_sets: Dict[str, TrainingSet] = dataclasses.field(default_factory=dict)
  evaluations: Dict[Key, Evaluation] = dataclasses.field(default_factory=dict)
  histories: Dict[Key, Dict[str, List[float]]] = dataclasses.field(default_factory=dict)
  serving_models: Dict[Key, str] = dataclasses.field(default_factory=dict)
  distilled: Dict[str, Split] = dataclasses.field(default_factory=dict)
  eval_examples: Optional[Split] = None
  pushed: Dict[str, str] = dataclasses.field(default_factory=dict)
  published_sets: Dict[str, str] = dataclasses.field(default_factory=dict)  # set -> dir
  # training set -> (optimisation steps done, whether the time budget stopped them)
  distill_steps: Dict[str, Tuple[int, bool]] = dataclasses.field(default_factory=dict)
  # data name -> the wall seconds its distillation took
  distill_seconds: Dict[str, float] = dataclasses.field(default_factory=dict)
  # training set -> {variant: its transfer.json entry} (components/transfer)
  transfer: Dict[str, Dict[str, dict]] = dataclasses.field(default_factory=dict)
  data_source: Optional[str] = None
  data_check: Optional[dict] = None  # the DataGate's data_check.json
  uris: Dict[str, str] = dataclasses.field(default_factory=dict)  # node/key -> uri


def _blessed(ref: ArtifactRef) -> Optional[bool]:
  for name, value in (('BLESSED', True), ('NOT_BLESSED', False)):
    if tf.io.gfile.exists(os.path.join(ref.uri, name)):
      return value
  if 'blessed' in ref.properties:
    return bool(ref.properties['blessed'])
  return None


def _training_record(uri: str) -> Optional[dict]:
  try:
    return read_record(uri)
  except (OSError, ValueError) as error:
    logging.warning('report: no readable training record in %s: %s', uri, error)
    return None


def _curve_end(record: dict) -> Optional[float]:
  """The accuracy at the end of a training record's eval-split learning curve."""
  points = (record.get('eval_curve') or {}).get('points') or []
  return points[-1]['accuracy'] if points else None


def _evaluation(uri: str) -> Optional[Evaluation]:
  try:
    return read_evaluation(uri)
  except (OSError, ValueError, tf.errors.OpError) as error:
    logging.warning('report: cannot read the evaluation in %s: %s', uri, error)
    return None


def _read_split(uri: str, split_name: str) -> Optional[Split]:
  try:
    return read_split(uri, split_name)
  except (OSError, ValueError, tf.errors.OpError) as error:
    logging.warning('report: cannot read split %s of %s: %s', split_name, uri, error)
    return None


def _json_file(path: str) -> Optional[Any]:
  try:
    with tf.io.gfile.GFile(path) as handle:
      return json.loads(handle.read())
  except (OSError, ValueError, tf.errors.OpError) as error:
    logging.warning('report: cannot read %s: %s', path, error)
    return None


def _data_check(uri: str) -> Optional[dict]:
  return _json_file(os.path.join(uri, CHECK_FILE))


def collect(refs: Sequence[ArtifactRef]) -> Collected:
  """Reads every artifact the report uses, by its type and what its properties say it
  was made for; an artifact of a type the report reads that names no training set is
  the run's own (the ingested Examples, the data check) or skipped.

  When an artifact appears twice for the same training set and seed (a cached run
  listing it again), the later one in `refs` wins."""
  collected = Collected()
  records: Dict[Key, dict] = {}
  blessings: Dict[Key, Optional[bool]] = {}
  for ref in refs:
    training_set = TrainingSet.from_properties(ref.properties)
    if training_set is None:
      if ref.type_name == DATA_CHECK:
        collected.data_check = _data_check(ref.uri)
      elif ref.type_name == EXAMPLES:  # the ingested examples: the eval split
        collected.eval_examples = _read_split(ref.uri, EVAL)
        collected.data_source = ref.properties.get('source')
      else:
        logging.info('report: skipping %s (%s of no training set)', ref.uri, ref.type_name)
      continue
    name = training_set.name
    if ref.type_name == EXAMPLES:  # a distilled or imported set
      split = _read_split(ref.uri, TRAIN)
      if split is not None:
        collected.distilled[training_set.data_name] = split
      if ref.properties.get('steps') is not None:
        collected.distill_steps[training_set.data_name] = (
            int(ref.properties['steps']), bool(ref.properties.get('stopped_by_budget')))
      if ref.properties.get(DISTILL_SECONDS) is not None:
        collected.distill_seconds[training_set.data_name] = float(
            ref.properties[DISTILL_SECONDS])
      continue
    collected.training_sets[name] = training_set
    if ref.type_name == TRANSFER:
      found = _json_file(os.path.join(ref.uri, RESULT_FILE))
      if found is not None:
        collected.transfer[name] = found
      continue
    key = (name, int(ref.properties.get(identity.SEED) or 0))
    collected.uris[f'{name}/{key[1]}/{ref.type_name}'] = ref.uri
    if ref.type_name == EVALUATION:
      evaluation = _evaluation(ref.uri)
      if evaluation is not None:
        collected.evaluations[key] = evaluation
    elif ref.type_name == MODEL_RUN:
      record = _training_record(ref.uri)
      if record is not None:
        records[key] = record
        collected.histories[key] = record.get('history', {})
    elif ref.type_name == MODEL:
      collected.serving_models[key] = os.path.join(ref.uri, SERVING_SUBDIR)
    elif ref.type_name == BLESSING:
      blessings[key] = _blessed(ref)
    elif ref.type_name == PUSHED_MODEL:
      if ref.properties.get('pushed'):
        collected.pushed[name] = str(ref.properties.get('pushed_destination') or ref.uri)
    elif ref.type_name == PUBLISHED_SET:
      if ref.properties.get(PUBLISHED):
        collected.published_sets[name] = str(ref.properties.get(PUBLISHED_TO) or ref.uri)
  for key in sorted(set(records) | set(collected.evaluations), key=str):
    record = records.get(key, {})
    evaluation = collected.evaluations.get(key)
    calibration = record.get('calibration') or {}
    collected.results.append(ModelResult(
        training_set=key[0], seed=key[1], identity=collected.training_sets[key[0]],
        # TFMA's; for a run with no Evaluator (the longer full-data runs), its learning
        # curve's end: the same eval split, the same accuracy.
        accuracy=evaluation.accuracy if evaluation else _curve_end(record),
        calibration_error=evaluation.calibration_error if evaluation else None,
        fit_seconds=record.get('fit_seconds'),
        # Records written before the step recipe have 'epochs' and 'examples'.
        epochs=record.get('passes', record.get('epochs')),
        images=record.get('images', record.get('examples')),
        optimizer_steps=record.get('optimizer_steps'),
        images_processed=record.get('images_processed'),
        temperature=calibration.get('temperature'),
        valid_ece_before=calibration.get('valid_ece_before'),
        valid_ece_after=calibration.get('valid_ece_after'),
        blessed=blessings.get(key),
        validation_ok=evaluation.validation_ok if evaluation else None,
        failures=evaluation.failures if evaluation else (),
        thresholds=evaluation.thresholds if evaluation else Thresholds(),
        per_class_accuracy=evaluation.per_class_accuracy if evaluation else None,
        eval_curve=(record.get('eval_curve') or {}).get('points'),
        other_seeds=[{'seed': other.get('seed'), 'accuracy': other.get('accuracy'),
                      'fit_seconds': other.get('fit_seconds'),
                      'eval_curve': (other.get('eval_curve') or {}).get('points')}
                     for other in record.get('other_seeds') or ()]))
  return collected
