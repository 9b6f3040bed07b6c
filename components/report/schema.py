"""The report's schema: a `Row` per training set, filled once (summary.py), and the
tables' columns, each a header, how a row's cell is made and how it is shown. The HTML
and Markdown templates iterate over the columns; summary.json is the rows as they are.
A new column is one entry in a table below (and a field of Row, if it shows new data).
"""

import dataclasses
import math
from typing import Any, Callable, List, Optional, Sequence, Tuple, Union


@dataclasses.dataclass
class Row:
  """One training set of a run: what it is, what it cost, what it reached, against the
  full data at equal work, and what became of it. Numbers are means over its
  trainings: its Trainers' models (`seeds`) and, for a small set, the other seeds each
  of its Trainers trained (--small-seeds); `accuracies` lists them all."""
  training_set: str
  method: str  # the method column: 'nfr', 'full', 'full, small-set recipe', ...
  kind: str  # contracts/identity.py: full, distilled, imported
  recipe: str  # epochs (the full model) or small_set
  reference: bool  # real images picked without distilling (random)
  data: str  # the data's name (a distilled set's is the row's, variants aside)
  images_per_class: Optional[int]
  images: Optional[int]
  seeds: List[int]
  epochs: Any  # passes over the set (a list when the seeds differ)
  optimizer_steps: Optional[float]
  images_processed: Optional[float]
  fit_seconds: Optional[float]  # the median over its trainings (schema.median)
  fit_seconds_std: Optional[float]
  accuracy: Optional[float]
  accuracy_std: Optional[float]
  accuracies: List[Optional[float]]
  calibration_error: Optional[float]
  temperature: Optional[float]
  valid_ece_before: Optional[float]
  valid_ece_after: Optional[float]
  gap_to_full_points: Optional[float]
  blessed: Optional[bool]
  blessed_seeds: str
  decision: str
  decided_by: str
  pushed_to: Optional[str] = None
  published_set: Optional[str] = None
  distill_steps: Optional[int] = None
  stopped_by_budget: Optional[bool] = None
  # What the set cost: its distillation's wall seconds, and with one fit the total; the
  # trainings after which distilling once costs less than training each time on the
  # full data to the same accuracy (None: never, the set is not faster; or no figures).
  distill_seconds: Optional[float] = None
  cost_seconds: Optional[float] = None
  break_even_trainings: Optional[int] = None
  eval_curve: List[dict] = dataclasses.field(default_factory=list)
  # Against the full data at equal work (equal_work.py; None for the full-data rows).
  full_accuracy_at_same_images: Optional[float] = None
  full_images_to_accuracy: Optional[float] = None
  full_images_to_accuracy_from: Optional[str] = None
  full_images_to_accuracy_reason: Optional[str] = None
  speedup_to_accuracy: Optional[float] = None
  speedup_to_accuracy_seconds: Optional[float] = None
  faster_than_full: Optional[bool] = None

  def to_json(self) -> dict:
    return dataclasses.asdict(self)


# ------------------------------------------------------------------- cell texts


def with_std(mean: Optional[float], std: Optional[float], scale: float = 1.0,
             digits: int = 1) -> str:
  """'97.3 ± 0.2' (mean and spread over seeds), '97.3' for one seed, '-' if missing."""
  if mean is None:
    return '-'
  text = f'{scale * mean:.{digits}f}'
  return text if std is None else f'{text} ± {scale * std:.{digits}f}'


def _per_seed(value, text: Callable[[float], str]) -> str:
  """text(value); '-' when missing; a list (the seeds differ) as 'a / b'."""
  if value is None:
    return '-'
  if isinstance(value, list):
    return ' / '.join(_per_seed(v, text) for v in value)
  return text(value)


def count(value) -> str:
  """An integer count: '76,800'."""
  return _per_seed(value, lambda v: f'{round(v):,}')


def passes(value) -> str:
  """Passes over a set: '2', '153.6'."""
  return _per_seed(value, lambda v: f'{v:.0f}' if float(v).is_integer() else f'{v:.1f}')


def ratio(value: Optional[float]) -> str:
  """'12.3x', '0.33x' (two digits below 1), '-'."""
  if value is None:
    return '-'
  return f'{value:.2f}x' if value < 1 else f'{value:.1f}x'


def method(row: Row) -> str:
  """'kip, 5 steps', 'kip, 312 steps (time budget)': the steps a distillation did."""
  if row.distill_steps is None:
    return row.method
  budget = ' (time budget)' if row.stopped_by_budget else ''
  return f'{row.method}, {row.distill_steps} steps{budget}'


def processed(row: Row) -> str:
  if row.images_processed is None:
    return '-'
  if row.optimizer_steps is None:
    return count(row.images_processed)
  return f'{count(row.images_processed)} ({count(row.optimizer_steps)})'


def speedup(row: Row) -> str:
  """'12.3x, 9.8x' (images, fit time); 'not faster: 0.33x, 0.41x'; '-' for the full
  rows and where the set is not compared."""
  if row.faster_than_full is None:
    return '-'
  ratios = f'{ratio(row.speedup_to_accuracy)}, {ratio(row.speedup_to_accuracy_seconds)}'
  return ratios if row.faster_than_full else f'not faster: {ratios}'


def speedup_kind(row: Row) -> str:
  return {True: 'num faster', False: 'num slower'}.get(row.faster_than_full, 'num')


def break_even(row: Row) -> str:
  """'3' trainings, 'never' (not faster than the full data), '-' (no distillation)."""
  if row.distill_seconds is None or row.faster_than_full is None:
    return '-'
  return 'never' if row.break_even_trainings is None else f'{row.break_even_trainings:,}'


def blessed(row: Row) -> str:
  if row.blessed is None:
    return '-'
  text = 'yes' if row.blessed else 'no'
  return text if len(row.seeds) == 1 else f'{text} ({row.blessed_seeds} seeds)'


def ece_change(row: Row) -> str:
  if row.valid_ece_before is None or row.valid_ece_after is None:
    return '-'
  return f'{100 * row.valid_ece_before:.1f} → {100 * row.valid_ece_after:.1f}'


def _optional(value, text: Callable[[Any], str] = str) -> str:
  return '-' if value is None else text(value)


# ---------------------------------------------------------------------- tables


@dataclasses.dataclass(frozen=True)
class Column:
  """A table column: its header, its cell's text from a row, and how the cell is shown
  (a CSS class: 'num' right-aligns; or a function of the row)."""
  header: str
  cell: Callable[[Any], str]
  kind: Union[str, Callable[[Any], str]] = ''

  def kind_of(self, row) -> str:
    return self.kind(row) if callable(self.kind) else self.kind


# The summary table: what a set costs, what it reaches, and the full data at equal work.
SUMMARY = (
    Column('Training set', lambda r: r.training_set),
    Column('Method', method),
    Column('Images', lambda r: count(r.images), 'num'),
    Column('Images processed (steps)', processed, 'num'),
    Column('Fit time (s)', lambda r: with_std(r.fit_seconds, None), 'num'),
    Column('Accuracy (%)', lambda r: with_std(r.accuracy, r.accuracy_std, scale=100),
           'num'),
    Column('Full data at as many images (%)',
           lambda r: with_std(r.full_accuracy_at_same_images, None, scale=100), 'num'),
    Column('Images the full data needs for this accuracy',
           lambda r: count(r.full_images_to_accuracy), 'num'),
    Column('Speed-up to this accuracy: images, fit time', speedup, speedup_kind),
    Column('ECE (%)', lambda r: with_std(r.calibration_error, None, scale=100), 'num'),
    Column('Blessed', blessed, 'bless'),
)

# Every training set's details: blessing, calibration, where it went.
SETS = (
    Column('Training set', lambda r: r.training_set),
    Column('Images / class', lambda r: _optional(r.images_per_class)),
    Column('Epochs', lambda r: passes(r.epochs)),
    Column('Gap to full (pts)', lambda r: _optional(r.gap_to_full_points,
                                                    lambda g: f'{g:+.1f}')),
    Column('Distillation (s)', lambda r: _optional(r.distill_seconds, lambda s: f'{s:.0f}')),
    Column('Cost: distillation + fit (s)', lambda r: _optional(r.cost_seconds,
                                                               lambda s: f'{s:.0f}')),
    Column('Break-even (trainings)', break_even),
    Column('Temperature', lambda r: _optional(r.temperature, lambda t: f'{t:.3g}')),
    Column('Valid ECE before → after (%)', ece_change),
    Column('Decided by', lambda r: r.decided_by),
    Column('Decision', lambda r: r.decision),
    Column('Pushed to', lambda r: r.pushed_to or '-'),
    Column('Published set', lambda r: r.published_set or '-'),
)

# Every model (a training set's seeds): summary.json's `models`, as dicts.
MODELS = (
    Column('Training set', lambda m: m['training_set']),
    Column('Seed', lambda m: str(m['seed'])),
    Column('Accuracy (%)', lambda m: with_std(m['accuracy'], None, scale=100)),
    Column('Training time (s)', lambda m: with_std(m['fit_seconds'], None, digits=2)),
    Column('Epochs', lambda m: passes(m['epochs'])),
    Column('Optimiser steps', lambda m: count(m.get('optimizer_steps'))),
    Column('Temperature', lambda m: _optional(m.get('temperature'), lambda t: f'{t:.3g}')),
    Column('Blessed', lambda m: {True: 'yes', False: 'no'}.get(m['blessed'], '-')),
    Column('Decision', lambda m: m['decision']),
)


def headers(columns: Sequence[Column]) -> List[str]:
  return [column.header for column in columns]


def cells(columns: Sequence[Column], row) -> List[dict]:
  """[{'text', 'kind'}] of one row, in the columns' order."""
  return [{'text': column.cell(row), 'kind': column.kind_of(row)} for column in columns]


# ------------------------------------------------------------- the transfer table


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


def median(values: Sequence[Optional[float]]) -> Optional[float]:
  """The median of the values that are not None (None with none): what a time over
  seeds is summarised by, so that one training the machine stalled does not move it."""
  present = sorted(float(v) for v in values if v is not None and not math.isnan(v))
  if not present:
    return None
  middle = len(present) // 2
  return present[middle] if len(present) % 2 else (present[middle - 1] + present[middle]) / 2


def transfer_table(rows: Sequence[Row], transfer: dict):
  """(headers, rows of cell texts, {(training set, variant): gap in points against the
  reference set of its size}) of every set trained with other networks and recipes
  (components/transfer): its accuracy with the run's own network and recipe, then with
  each variant (mean ± std over seeds), a distilled set's with its gap to the
  reference family (random real images) of its size on the same variant."""
  names = [row.training_set for row in rows if row.training_set in transfer]
  if not names:
    return [], [], {}
  variants = list(transfer[names[0]])
  what = {v: transfer[names[0]][v]['what'] for v in variants}
  by_name = {row.training_set: row for row in rows}
  reference = {row.images_per_class: row.training_set for row in rows
               if row.reference and row.training_set in transfer}
  headers = (['Training set', "The run's network and recipe (%)"]
             + [f'{what[v]} (%)' for v in variants])
  gaps, cells = {}, []
  for name in names:
    row = by_name[name]
    line = [name, with_std(row.accuracy, row.accuracy_std, scale=100)]
    other = (reference.get(row.images_per_class)
             if row.kind == 'distilled' and not row.reference else None)
    for variant in variants:
      mean, std = mean_std(transfer[name][variant]['accuracies'])
      text = with_std(mean, std, scale=100)
      if other is not None and mean is not None:
        base, _ = mean_std(transfer[other][variant]['accuracies'])
        gaps[(name, variant)] = 100 * (mean - base)
        text += f' ({gaps[(name, variant)]:+.1f} vs {other})'
      line.append(text)
    cells.append(line)
  return headers, cells, gaps
