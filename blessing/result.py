"""What an Evaluator decided, read back: one Evaluator output (a ModelEvaluation uri)
read with TFMA into plain values (accuracy overall and per class, the confusion matrix,
the thresholds applied and the ones that failed), and which threshold decided the
blessing, in words. The report and the SetPublisher read evaluations through it."""

import math
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np
import tensorflow_model_analysis as tfma
from tensorflow_model_analysis.writers import eval_config_writer

from tfx_distill.blessing.ece_metric import ECE_NAME as CALIBRATION_ERROR
from tfx_distill.blessing.eval_config import ACCURACY
from tfx_distill.contracts.example_format import NUM_CLASSES

EXAMPLE_COUNT = 'example_count'
CONFUSION_PLOT = 'multiClassConfusionMatrixAtThresholds'

# How a blessing was decided (ModelResult.decision()[1]).
PASSED = 'passed'
FLOOR = 'value floor'
MAX_DROP = 'max drop vs baseline'
MAX_ECE = 'max calibration error'
MISSING = 'metric not found'
SLICE = 'per-label slice'
UNKNOWN = 'no validation result'


class Failure(NamedTuple):
  """One failed threshold of a TFMA validation result, on one slice ('overall' or
  e.g. 'label=3'). bound: the value floor (the ceiling of an upper bound such as the
  ECE's), or the change threshold (negative: the largest allowed drop). value: the
  metric (or its difference to the baseline)."""
  slice: str
  metric: str
  is_diff: bool
  bound: Optional[float]
  value: Optional[float]
  message: str = ''


class Thresholds(NamedTuple):
  """The thresholds an evaluation applied (None: not configured)."""
  floor: Optional[float] = None
  max_drop: Optional[float] = None  # positive, as a fraction (0.02 = 2 points)
  has_baseline: bool = False
  max_ece: Optional[float] = None  # upper bound on the expected calibration error


def _points(fraction: float) -> str:
  return f'{100 * fraction:.1f}'


def blessing_decision(validation_ok: Optional[bool], failures: Sequence[Failure],
                      thresholds: Thresholds,
                      accuracy: Optional[float] = None) -> Tuple[str, str]:
  """Why a model was (not) blessed, from its validation result's failures.

  Only failures on the overall slice decide (the thresholds are meant for it); if the
  validation failed on other slices only, that is reported as SLICE."""
  if validation_ok is None:
    return 'no validation result', UNKNOWN
  if validation_ok:
    parts = []
    if thresholds.floor is not None:
      shown = f'accuracy {_points(accuracy)}% ' if accuracy is not None else ''
      parts.append(f'{shown}>= floor {_points(thresholds.floor)}%')
    if thresholds.max_drop is not None and thresholds.has_baseline:
      parts.append(f'drop <= {_points(thresholds.max_drop)} pts vs baseline')
    elif thresholds.max_drop is not None:
      parts.append('no baseline, drop not checked')
    if thresholds.max_ece is not None:
      parts.append(f'ECE <= {_points(thresholds.max_ece)}%')
    return 'passed: ' + '; '.join(parts) if parts else 'passed', PASSED
  overall = [f for f in failures if f.slice == 'overall']
  if not overall:
    slices = sorted({f.slice for f in failures})
    return f'failed on slices {", ".join(slices) or "(none listed)"}', SLICE
  reasons, deciders = [], []
  for failure in overall:
    if failure.value is None or 'not found' in failure.message.lower():
      kind = 'change' if failure.is_diff else 'value'
      reasons.append(f'{failure.metric} ({kind} threshold): metric not found')
      deciders.append(MISSING)
    elif failure.metric == CALIBRATION_ERROR:
      bound = f' > max {_points(failure.bound)}%' if failure.bound is not None else ''
      reasons.append(f'ECE {_points(failure.value)}%{bound}')
      deciders.append(MAX_ECE)
    elif failure.is_diff:
      reasons.append(f'dropped {_points(-failure.value)} pts vs baseline '
                     f'(max {_points(-failure.bound)})' if failure.bound is not None
                     else f'change {_points(failure.value)} pts vs baseline')
      deciders.append(MAX_DROP)
    else:
      floor = f' < floor {_points(failure.bound)}%' if failure.bound is not None else ''
      reasons.append(f'accuracy {_points(failure.value)}%{floor}')
      deciders.append(FLOOR)
  ordered = [d for d in (FLOOR, MAX_DROP, MAX_ECE, MISSING) if d in deciders]
  return 'failed: ' + '; '.join(reasons), ' + '.join(ordered)


class Evaluation(NamedTuple):
  """What the report uses from one evaluation of a candidate model."""
  accuracy: Optional[float]
  baseline_accuracy: Optional[float]
  calibration_error: Optional[float]  # top-1 expected calibration error, overall
  example_count: Optional[int]
  per_class_accuracy: Optional[List[Optional[float]]]  # recall: the confusion's rows
  confusion: Optional[np.ndarray]  # (10, 10) counts, rows = true label
  validation_ok: Optional[bool]
  failures: Tuple[Failure, ...]
  thresholds: Thresholds


def _value(metrics: Dict[str, Any], name: str) -> Optional[float]:
  """A metric's double value from TFMA's nested dict; None if absent or NaN."""
  entry = metrics.get(name)
  if not isinstance(entry, dict) or 'doubleValue' not in entry:
    return None
  value = float(entry['doubleValue'])
  return None if math.isnan(value) else value


def _slice_name(slice_key) -> str:
  if not slice_key:
    return 'overall'
  return ', '.join(f'{column}={value}' for column, value in slice_key)


def model_names(config: tfma.EvalConfig) -> Tuple[str, Optional[str]]:
  """(candidate model name, baseline model name or None) of an EvalConfig."""
  candidate, baseline = '', None
  for spec in config.model_specs:
    if spec.is_baseline:
      baseline = spec.name
    else:
      candidate = spec.name
  return candidate, baseline


def _thresholds(config: tfma.EvalConfig, metric_name: str, class_name: str) -> list:
  """Every threshold on one metric anywhere in the config (MetricsSpec thresholds or
  per-slice thresholds, or the metric's own)."""
  found = []
  for spec in config.metrics_specs:
    if metric_name in spec.thresholds:
      found.append(spec.thresholds[metric_name])
    if metric_name in spec.per_slice_thresholds:
      found.extend(t.threshold for t in spec.per_slice_thresholds[metric_name].thresholds)
    for metric in spec.metrics:
      if metric.class_name == class_name:
        if metric.HasField('threshold'):
          found.append(metric.threshold)
        found.extend(t.threshold for t in metric.per_slice_thresholds)
  return found


def thresholds_of(config: tfma.EvalConfig, has_baseline: bool) -> Thresholds:
  """The accuracy floor, the largest allowed drop and the calibration bound configured
  in the config."""
  floor = max_drop = max_ece = None
  for threshold in _thresholds(config, ACCURACY, 'SparseCategoricalAccuracy'):
    if threshold.value_threshold.HasField('lower_bound'):
      floor = threshold.value_threshold.lower_bound.value
    if threshold.change_threshold.HasField('absolute'):
      max_drop = -threshold.change_threshold.absolute.value
  for threshold in _thresholds(config, CALIBRATION_ERROR, 'ExpectedCalibrationError'):
    if threshold.value_threshold.HasField('upper_bound'):
      max_ece = threshold.value_threshold.upper_bound.value
  return Thresholds(floor, max_drop, has_baseline, max_ece)


def failures_of(validation) -> Tuple[Optional[bool], Tuple[Failure, ...]]:
  """(validation_ok, failures) of a tfma ValidationResult proto."""
  failures = []
  for per_slice in validation.metric_validations_per_slice:
    key = tuple((k.column, _slice_value(k)) for k in per_slice.slice_key.single_slice_keys)
    for failure in per_slice.failures:
      threshold = failure.metric_threshold
      if threshold.HasField('change_threshold'):
        bound = (threshold.change_threshold.absolute.value
                 if threshold.change_threshold.HasField('absolute') else None)
      elif threshold.value_threshold.HasField('lower_bound'):
        bound = threshold.value_threshold.lower_bound.value
      elif threshold.value_threshold.HasField('upper_bound'):
        bound = threshold.value_threshold.upper_bound.value
      else:
        bound = None
      value = (failure.metric_value.double_value.value
               if failure.HasField('metric_value') else None)
      failures.append(Failure(_slice_name(key), failure.metric_key.name,
                              failure.metric_key.is_diff, bound, value, failure.message))
  return validation.validation_ok, tuple(failures)


def _slice_value(key) -> Any:
  kind = key.WhichOneof('kind')
  return getattr(key, kind) if kind else ''


def confusion_matrix(plots: Dict[str, Any]) -> Optional[np.ndarray]:
  """The (10, 10) count matrix of a MultiClassConfusionMatrixPlot (missing ids are 0)."""
  entry = plots.get(CONFUSION_PLOT)
  if not entry or not entry.get('matrices'):
    return None
  matrix = np.zeros((NUM_CLASSES, NUM_CLASSES))
  for cell in entry['matrices'][0].get('entries', []):
    actual = int(cell.get('actualClassId', 0))
    predicted = int(cell.get('predictedClassId', 0))
    if 0 <= actual < NUM_CLASSES and 0 <= predicted < NUM_CLASSES:
      matrix[actual, predicted] += float(cell.get('numWeightedExamples', 0.0))
  return matrix


def per_class_accuracy(confusion: Optional[np.ndarray]) -> Optional[List[Optional[float]]]:
  """The accuracy on each true label (its recall): the diagonal over the row's sum,
  None for a label with no example; None without a matrix."""
  if confusion is None:
    return None
  totals = confusion.sum(axis=1)
  return [float(confusion[c, c] / totals[c]) if totals[c] else None
          for c in range(NUM_CLASSES)]


def read_evaluation(uri: str) -> Evaluation:
  """Reads the candidate's metrics, plots and validation from an evaluation uri."""
  config = eval_config_writer.load_eval_run(uri)[0]
  candidate, baseline = model_names(config)
  result = tfma.load_eval_result(uri, model_name=candidate or None)
  overall = {}
  for slice_key, metrics in result.slicing_metrics:
    if not slice_key:
      overall = metrics.get('', {}).get('', {})
  confusion = None
  for slice_key, plots in result.plots or []:
    if not slice_key:
      confusion = confusion_matrix(plots.get('', {}).get('', {}))
  baseline_accuracy = None
  if baseline is not None:
    for slice_key, metrics in tfma.load_eval_result(uri, model_name=baseline).slicing_metrics:
      if not slice_key:
        baseline_accuracy = _value(metrics.get('', {}).get('', {}), ACCURACY)
  try:
    validation_ok, failures = failures_of(tfma.load_validation_result(uri))
  except (OSError, ValueError, IndexError):
    validation_ok, failures = None, ()
  count = _value(overall, EXAMPLE_COUNT)
  return Evaluation(
      accuracy=_value(overall, ACCURACY), baseline_accuracy=baseline_accuracy,
      calibration_error=_value(overall, CALIBRATION_ERROR),
      example_count=None if count is None else int(count),
      per_class_accuracy=per_class_accuracy(confusion),
      confusion=confusion, validation_ok=validation_ok, failures=failures,
      thresholds=thresholds_of(config, baseline is not None))
