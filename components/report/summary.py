"""The summary table's arithmetic, on plain values: mean and spread over seeds, the gap
to the full model, the training cost (optimiser steps, images processed, fit seconds),
each small set against the full data at equal work (equal_work.py), calibration, and
which threshold decided a blessing."""

import dataclasses
import math
from typing import Any, Dict, List, Optional, Sequence, Tuple

from tfx_distill.blessing.result import Failure, Thresholds, blessing_decision
from tfx_distill.components.report import equal_work
from tfx_distill.contracts import identity
from tfx_distill.contracts.identity import TrainingSet







@dataclasses.dataclass
class ModelResult:
  """Everything the table needs about one model (one training set, one seed)."""
  training_set: str
  seed: int
  identity: TrainingSet
  accuracy: Optional[float] = None
  calibration_error: Optional[float] = None
  fit_seconds: Optional[float] = None
  epochs: Optional[float] = None  # passes over the set: images processed / images
  images: Optional[int] = None  # training examples
  optimizer_steps: Optional[int] = None
  images_processed: Optional[int] = None  # steps x batch
  temperature: Optional[float] = None  # fitted on the valid split
  valid_ece_before: Optional[float] = None
  valid_ece_after: Optional[float] = None
  blessed: Optional[bool] = None
  validation_ok: Optional[bool] = None
  failures: Sequence[Failure] = ()
  thresholds: Thresholds = Thresholds()
  per_class_accuracy: Optional[List[float]] = None
  eval_curve: Optional[List[dict]] = None  # the training record's learning-curve points

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


def describe_set(training_set: TrainingSet) -> Tuple[str, Optional[int]]:
  """(the method column, images per class): ('full', None), ('full, small-set recipe',
  None), ('kip', 50), ('kip set 0 (imported)', None)."""
  if training_set.kind == identity.FULL:
    return ('full' if training_set.recipe == identity.EPOCHS
            else 'full, small-set recipe'), None
  if training_set.kind == identity.IMPORTED:
    return f'kip set {training_set.index} (imported)', None
  return training_set.method, training_set.images_per_class


def _sort_key(training_set: TrainingSet):
  """Full first, then by images per class, the reference sets (random real images)
  before the methods at the same size (the seed notebook's order), imported sets
  last."""
  method, size = describe_set(training_set)
  return (not training_set.is_full, training_set.recipe != identity.EPOCHS,
          training_set.kind == identity.IMPORTED, size or 0, not training_set.reference,
          method, training_set.name)


def _one(values: Sequence) -> Any:
  """The single value of a set's seeds, the sorted list when they differ, or None."""
  present = sorted({v for v in values if v is not None})
  return present[0] if len(present) == 1 else (present or None)


def summarise(results: Sequence[ModelResult],
              pushed: Optional[Dict[str, str]] = None) -> List[dict]:
  """One row per training set (full first): images, method, epochs, optimiser steps,
  images processed, fit time, accuracy mean +- std over seeds, gap to the full model
  in points, each small set against the full data's learning curves at equal work
  (equal_work.FIELDS), calibration (eval ECE from TFMA; the temperature and the
  valid ECE before and after it, from training.json), blessing and its reason (from the
  seed-0 model, the one the Pusher pushes) and where it was pushed."""
  pushed = pushed or {}
  by_set: Dict[str, List[ModelResult]] = {}
  for result in results:
    by_set.setdefault(result.training_set, []).append(result)
  sets = {name: runs[0].identity for name, runs in by_set.items()}
  full = [name for name, s in sets.items() if s.is_full and s.recipe == identity.EPOCHS]
  full_mean, _ = mean_std([r.accuracy for name in full for r in by_set[name]])
  full_curves = {name: equal_work.mean_curve([r.eval_curve for r in by_set[name]])
                 for name, s in sets.items() if s.is_full}
  rows = []
  for name in sorted(by_set, key=lambda n: _sort_key(sets[n])):
    runs = sorted(by_set[name], key=lambda r: r.seed)
    method, images_per_class = describe_set(sets[name])
    accuracy, accuracy_std = mean_std([r.accuracy for r in runs])
    seconds, seconds_std = mean_std([r.fit_seconds for r in runs])
    images = [r.images for r in runs if r.images is not None]
    first = runs[0]
    decision, decided_by = first.decision()
    blessed_seeds = sum(1 for r in runs if r.blessed)
    rows.append({
        'training_set': name,
        'method': method,
        'images_per_class': images_per_class,
        'images': max(images) if images else None,
        'seeds': [r.seed for r in runs],
        'epochs': _one([r.epochs for r in runs]),
        'optimizer_steps': mean_std([r.optimizer_steps for r in runs])[0],
        'images_processed': mean_std([r.images_processed for r in runs])[0],
        'fit_seconds': seconds,
        'fit_seconds_std': seconds_std,
        'accuracy': accuracy,
        'accuracy_std': accuracy_std,
        'accuracies': [r.accuracy for r in runs],
        'calibration_error': mean_std([r.calibration_error for r in runs])[0],
        'temperature': mean_std([r.temperature for r in runs])[0],
        'valid_ece_before': mean_std([r.valid_ece_before for r in runs])[0],
        'valid_ece_after': mean_std([r.valid_ece_after for r in runs])[0],
        'gap_to_full_points': (None if accuracy is None or full_mean is None
                               else 100 * (accuracy - full_mean)),
        'blessed': first.blessed,
        'blessed_seeds': f'{blessed_seeds}/{len(runs)}',
        'decision': decision,
        'decided_by': decided_by,
        'pushed_to': pushed.get(name),
        'kind': sets[name].kind,
        'recipe': sets[name].recipe,
        'reference': sets[name].reference,
        'data': sets[name].data_name,
    })
    row = rows[-1]
    row.update(dict.fromkeys(equal_work.FIELDS) if sets[name].is_full else
               equal_work.compare(accuracy, row['images_processed'], seconds, full_curves))
    row['eval_curve'] = equal_work.mean_curve([r.eval_curve for r in runs])
  return rows
