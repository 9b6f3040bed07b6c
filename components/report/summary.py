"""The summary table's arithmetic, on plain values: mean and spread over seeds, the gap
to the full model, the training cost (optimiser steps, images processed, fit seconds),
each small set against the full data at equal work (equal_work.py), calibration, and
which threshold decided a blessing."""

import dataclasses
import math
from typing import Any, Dict, List, Optional, Sequence, Tuple

from tfx_distill.blessing.result import Failure, Thresholds, blessing_decision
from tfx_distill.components.report import equal_work
from tfx_distill.components.report.schema import Row, mean_std, median
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
  # The same set trained again in the same Trainer with other seeds (training.json's
  # other_seeds: seed, accuracy on the eval split, fit_seconds, eval_curve points); not
  # exported, so neither evaluated by TFMA nor pushed.
  other_seeds: List[dict] = dataclasses.field(default_factory=list)

  def trainings(self) -> List[dict]:
    """Every training of the set this Trainer did, this model first: {accuracy,
    fit_seconds, eval_curve} (and the other seeds' seed, as collect.py reads them)."""
    return [{'accuracy': self.accuracy, 'fit_seconds': self.fit_seconds,
             'eval_curve': self.eval_curve}, *self.other_seeds]

  def decision(self) -> Tuple[str, str]:
    """(sentence, which threshold decided: one of PASSED, FLOOR, MAX_DROP, ...)."""
    return blessing_decision(self.validation_ok, self.failures, self.thresholds,
                             self.accuracy)


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


def break_even(distill_seconds: Optional[float], fit_seconds: Optional[float],
               full_seconds: Optional[float]) -> Optional[int]:
  """The fewest trainings n with distill + n * fit <= n * full: after n trainings,
  distilling once and training on the set costs less than training on the full data to
  the same accuracy each time (full_seconds: the full data's fit seconds to it). None
  when it never does (the set is not faster per training) or a figure is missing."""
  if None in (distill_seconds, fit_seconds, full_seconds) or full_seconds <= fit_seconds:
    return None
  return max(1, math.ceil(distill_seconds / (full_seconds - fit_seconds)))


def summarise(results: Sequence[ModelResult], pushed: Optional[Dict[str, str]] = None,
              published: Optional[Dict[str, str]] = None,
              distill_steps: Optional[Dict[str, Tuple[int, bool]]] = None,
              distill_seconds: Optional[Dict[str, float]] = None) -> List[Row]:
  """One Row per training set (full first), filled once: images, method, epochs,
  optimiser steps, images processed, fit time, accuracy mean +- std over seeds, gap to
  the full model in points, each small set against the full data's learning curves at
  equal work (equal_work.FIELDS), calibration (eval ECE from TFMA; the temperature and
  the valid ECE before and after it, from training.json), blessing and its reason
  (from the seed-0 model, the one the Pusher pushes), where it was pushed and its set
  published ({training set: path}), and the steps its distillation did ({data name:
  (steps, stopped by the time budget)}), and what making it cost ({data name: wall
  seconds}) with its break-even."""
  pushed, published, distill_steps = pushed or {}, published or {}, distill_steps or {}
  distill_seconds = distill_seconds or {}
  by_set: Dict[str, List[ModelResult]] = {}
  for result in results:
    by_set.setdefault(result.training_set, []).append(result)
  sets = {name: runs[0].identity for name, runs in by_set.items()}
  full = [name for name, s in sets.items() if s.is_full and s.recipe == identity.EPOCHS]
  full_mean, _ = mean_std([r.accuracy for name in full for r in by_set[name]])
  trainings = {name: [t for r in sorted(runs, key=lambda r: r.seed) for t in r.trainings()]
               for name, runs in by_set.items()}
  full_curves = {name: equal_work.mean_curve([t['eval_curve'] for t in trainings[name]])
                 for name, s in sets.items() if s.is_full}
  rows = []
  for name in sorted(by_set, key=lambda n: _sort_key(sets[n])):
    runs = sorted(by_set[name], key=lambda r: r.seed)
    training_set = sets[name]
    method, images_per_class = describe_set(training_set)
    # Over every training of the set: its Trainers' models and their other seeds.
    accuracies = [t['accuracy'] for t in trainings[name]]
    accuracy, accuracy_std = mean_std(accuracies)
    times = [t['fit_seconds'] for t in trainings[name]]
    seconds, seconds_std = median(times), mean_std(times)[1]
    images = [r.images for r in runs if r.images is not None]
    images_processed = mean_std([r.images_processed for r in runs])[0]
    decision, decided_by = runs[0].decision()
    steps, by_budget = distill_steps.get(training_set.data_name, (None, None))
    compared = ({} if training_set.is_full else
                equal_work.compare(accuracy, images_processed, seconds, full_curves))
    made_in = distill_seconds.get(training_set.data_name)
    full_seconds = (None if compared.get('speedup_to_accuracy_seconds') is None
                    or seconds is None else compared['speedup_to_accuracy_seconds'] * seconds)
    rows.append(Row(
        training_set=name, method=method, kind=training_set.kind,
        recipe=training_set.recipe, reference=training_set.reference,
        data=training_set.data_name, images_per_class=images_per_class,
        images=max(images) if images else None, seeds=[r.seed for r in runs],
        epochs=_one([r.epochs for r in runs]),
        optimizer_steps=mean_std([r.optimizer_steps for r in runs])[0],
        images_processed=images_processed, fit_seconds=seconds,
        fit_seconds_std=seconds_std, accuracy=accuracy, accuracy_std=accuracy_std,
        accuracies=accuracies,
        calibration_error=mean_std([r.calibration_error for r in runs])[0],
        temperature=mean_std([r.temperature for r in runs])[0],
        valid_ece_before=mean_std([r.valid_ece_before for r in runs])[0],
        valid_ece_after=mean_std([r.valid_ece_after for r in runs])[0],
        gap_to_full_points=(None if accuracy is None or full_mean is None
                            else 100 * (accuracy - full_mean)),
        blessed=runs[0].blessed,
        blessed_seeds=f'{sum(1 for r in runs if r.blessed)}/{len(runs)}',
        decision=decision, decided_by=decided_by, pushed_to=pushed.get(name),
        published_set=published.get(name), distill_steps=steps,
        stopped_by_budget=by_budget,
        eval_curve=equal_work.mean_curve([t['eval_curve'] for t in trainings[name]]),
        distill_seconds=made_in,
        cost_seconds=None if made_in is None or seconds is None else made_in + seconds,
        break_even_trainings=(break_even(made_in, seconds, full_seconds)
                              if compared.get('faster_than_full') else None),
        **compared))
  return rows
