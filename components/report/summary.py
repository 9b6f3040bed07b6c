"""The summary table's arithmetic, on plain values: mean and spread over seeds, the gap
to the full model, and which threshold decided a blessing."""

import dataclasses
import math
import re
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

from tfx_distill.components.node_ids import FULL, KIP_SET_PREFIX

# How a blessing was decided (ModelResult.decision()[1]).
PASSED = 'passed'
FLOOR = 'value floor'
MAX_DROP = 'max drop vs baseline'
MISSING = 'metric not found'
SLICE = 'per-label slice'
UNKNOWN = 'no validation result'


class Failure(NamedTuple):
  """One failed threshold of a TFMA validation result, on one slice ('overall' or
  e.g. 'label=3'). bound: the value floor, or the change threshold (negative: the
  largest allowed drop). value: the metric (or its difference to the baseline)."""
  slice: str
  metric: str
  is_diff: bool
  bound: Optional[float]
  value: Optional[float]
  message: str = ''


class Thresholds(NamedTuple):
  """The accuracy thresholds an evaluation applied (None: not configured)."""
  floor: Optional[float] = None
  max_drop: Optional[float] = None  # positive, as a fraction (0.02 = 2 points)
  has_baseline: bool = False


@dataclasses.dataclass
class ModelResult:
  """Everything the table needs about one model (one training set, one seed)."""
  training_set: str
  seed: int
  accuracy: Optional[float] = None
  calibration_error: Optional[float] = None
  fit_seconds: Optional[float] = None
  epochs: Optional[int] = None
  support_size: Optional[int] = None
  blessed: Optional[bool] = None
  validation_ok: Optional[bool] = None
  failures: Sequence[Failure] = ()
  thresholds: Thresholds = Thresholds()
  per_class_accuracy: Optional[List[float]] = None

  def decision(self) -> Tuple[str, str]:
    """(sentence, which threshold decided: one of PASSED, FLOOR, MAX_DROP, ...)."""
    return blessing_decision(self.validation_ok, self.failures, self.thresholds,
                             self.accuracy)


def mean_std(values: Sequence[Optional[float]]) -> Tuple[Optional[float], Optional[float]]:
  """Mean and sample standard deviation (ddof=1) of the values that are not None;
  std is None with fewer than two values, both are None with none."""
  present = [float(v) for v in values if v is not None and not math.isnan(v)]
  if not present:
    return None, None
  mean = sum(present) / len(present)
  if len(present) < 2:
    return mean, None
  variance = sum((v - mean) ** 2 for v in present) / (len(present) - 1)
  return mean, math.sqrt(variance)


def describe_set(name: str) -> Tuple[str, Optional[int]]:
  """'full' -> ('full', None); 'kip_50' -> ('kip', 50); 'kipset_0' -> ('kip set 0
  (imported)', None)."""
  if name == FULL:
    return FULL, None
  if name.startswith(KIP_SET_PREFIX):
    return f'kip set {name[len(KIP_SET_PREFIX):]} (imported)', None
  match = re.match(r'^([a-z]+)_(\d+)$', name)
  if match:
    return match.group(1), int(match.group(2))
  return name, None


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
    elif failure.is_diff:
      reasons.append(f'dropped {_points(-failure.value)} pts vs baseline '
                     f'(max {_points(-failure.bound)})' if failure.bound is not None
                     else f'change {_points(failure.value)} pts vs baseline')
      deciders.append(MAX_DROP)
    else:
      floor = f' < floor {_points(failure.bound)}%' if failure.bound is not None else ''
      reasons.append(f'accuracy {_points(failure.value)}%{floor}')
      deciders.append(FLOOR)
  ordered = [d for d in (FLOOR, MAX_DROP, MISSING) if d in deciders]
  return 'failed: ' + '; '.join(reasons), ' + '.join(ordered)


def _sort_key(name: str):
  """Full first, then by images per class, random real images before the methods
  at the same size (the seed notebook's order), imported sets last."""
  method, size = describe_set(name)
  return (name != FULL, name.startswith(KIP_SET_PREFIX), size or 0, method != 'random',
          method, name)


def summarise(results: Sequence[ModelResult],
              pushed: Optional[Dict[str, str]] = None) -> List[dict]:
  """One row per training set (full first): support size, method, fit time, accuracy
  mean +- std over seeds, gap to the full model in points, blessing and its reason
  (from the seed-0 model, the one the Pusher pushes) and where it was pushed."""
  pushed = pushed or {}
  by_set: Dict[str, List[ModelResult]] = {}
  for result in results:
    by_set.setdefault(result.training_set, []).append(result)
  full_mean, _ = mean_std([r.accuracy for r in by_set.get(FULL, [])])
  rows = []
  for name in sorted(by_set, key=_sort_key):
    runs = sorted(by_set[name], key=lambda r: r.seed)
    method, images_per_class = describe_set(name)
    accuracy, accuracy_std = mean_std([r.accuracy for r in runs])
    seconds, seconds_std = mean_std([r.fit_seconds for r in runs])
    sizes = {r.support_size for r in runs if r.support_size is not None}
    epochs = sorted({r.epochs for r in runs if r.epochs is not None})
    first = runs[0]
    decision, decided_by = first.decision()
    blessed_seeds = sum(1 for r in runs if r.blessed)
    rows.append({
        'training_set': name,
        'method': method,
        'images_per_class': images_per_class,
        'support_size': max(sizes) if sizes else None,
        'seeds': [r.seed for r in runs],
        'epochs': epochs[0] if len(epochs) == 1 else (epochs or None),
        'fit_seconds': seconds,
        'fit_seconds_std': seconds_std,
        'accuracy': accuracy,
        'accuracy_std': accuracy_std,
        'accuracies': [r.accuracy for r in runs],
        'calibration_error': mean_std([r.calibration_error for r in runs])[0],
        'gap_to_full_points': (None if accuracy is None or full_mean is None
                               else 100 * (accuracy - full_mean)),
        'blessed': first.blessed,
        'blessed_seeds': f'{blessed_seeds}/{len(runs)}',
        'decision': decision,
        'decided_by': decided_by,
        'pushed_to': pushed.get(name),
    })
  return rows
