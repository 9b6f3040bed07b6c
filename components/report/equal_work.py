"""Each small set against the full data at equal work: how fast the full data itself
reaches what a small set reaches, read off the full-data learning curves (accuracy on
the eval split at fixed points of images processed, contracts/learning_curve.py).

The full-data runs give curves: `full` (epochs with early stopping), `full_same_steps`
(the small sets' own step recipe on the full train split, for as much work as a small
set) and, when the run has them, the same recipe for several times that work, each with
its own schedule length (`full_3x_steps`, ...): the strongest full-data curve is their
lower envelope in images processed. For a
small set with accuracy a after I images processed and F fit seconds:

- full_accuracy_at_same_images: the better of the full curves after I images;
- full_images_to_accuracy: the images processed the full data needs to reach a, the
  fewest of any full-data run (None, with the reason, when none reaches a: the set is
  then not compared, neither faster nor slower, since every curve was cut short);
- speedup_to_accuracy: full_images_to_accuracy / I (above 1: the small set gets there
  with fewer images processed than the full data);
- speedup_to_accuracy_seconds: the same ratio in fit seconds (the full run's fit
  seconds at that point of its curve over F).

Curves are averaged over a set's seeds at the grid points they share; the accuracy of a
small set is TFMA's on the same eval split (the mean over its seeds).
"""

from typing import Dict, List, Optional, Sequence

from tfx_distill.components.report.schema import median
from tfx_distill.contracts.learning_curve import Point, accuracy_at, images_to_accuracy

FIELDS = ('full_accuracy_at_same_images', 'full_images_to_accuracy',
          'full_images_to_accuracy_from', 'full_images_to_accuracy_reason',
          'speedup_to_accuracy', 'speedup_to_accuracy_seconds', 'faster_than_full')


def mean_curve(curves: Sequence[Sequence[Point]]) -> List[Point]:
  """The mean over seeds of curves on the same grid: at every grid point all of them
  measured (the mean of their images processed and accuracy, the median of their fit
  seconds: a stall of the machine in one training does not move it), then their last
  points when they all ended at the same images processed."""
  curves = [list(c) for c in curves if c]
  if not curves:
    return []
  by_point = [{p['point']: p for p in c if p.get('point') is not None} for c in curves]
  shared = sorted(set.intersection(*(set(points) for points in by_point)))
  rows = [[points[g] for points in by_point] for g in shared]
  ends = [c[-1] for c in curves]
  if all(e.get('point') is None for e in ends) and len(
      {e['images_processed'] for e in ends}) == 1:
    rows.append(ends)
  return [{'point': row[0].get('point'),
           **{key: sum(p[key] for p in row) / len(row)
              for key in ('images_processed', 'accuracy')},
           'fit_seconds': median([p['fit_seconds'] for p in row])}
          for row in rows]


def _seconds_at(points: Sequence[Point], images: float) -> Optional[float]:
  """A curve's fit seconds after `images` images processed (linear in images between
  the points around it)."""
  for before, after in zip(points, points[1:]):
    if before['images_processed'] <= images <= after['images_processed']:
      span = after['images_processed'] - before['images_processed']
      share = 0.0 if span == 0 else (images - before['images_processed']) / span
      return before['fit_seconds'] + share * (after['fit_seconds'] - before['fit_seconds'])
  if points and images <= points[0]['images_processed']:
    return points[0]['fit_seconds'] * images / points[0]['images_processed']
  return None


def compare(accuracy: Optional[float], images_processed: Optional[float],
            fit_seconds: Optional[float],
            full_curves: Dict[str, Sequence[Point]]) -> Dict[str, object]:
  """The FIELDS of one small set (see the module docstring); `full_curves` maps each
  full-data run's name to its mean curve."""
  out: Dict[str, object] = dict.fromkeys(FIELDS)
  curves = {name: c for name, c in full_curves.items() if c}
  if accuracy is None or not images_processed:
    out['full_images_to_accuracy_reason'] = 'this set has no accuracy or training record'
    return out
  if not curves:
    out['full_images_to_accuracy_reason'] = 'no full-data learning curve was recorded'
    return out
  same = [a for a in (accuracy_at(c, images_processed) for c in curves.values())
          if a is not None]
  out['full_accuracy_at_same_images'] = max(same) if same else None
  reached = {name: images_to_accuracy(c, accuracy) for name, c in curves.items()}
  reached = {name: images for name, images in reached.items() if images is not None}
  if not reached:
    # Not faster, not slower: every full-data run stopped below it, the longest too.
    longest = max(curves, key=lambda name: (curves[name][-1]['images_processed'],
                                            curves[name][-1]['accuracy']))
    end = curves[longest][-1]
    out['full_images_to_accuracy_reason'] = (
        f'no full-data run reaches {100 * accuracy:.1f}%; the longest, {longest}, ends at '
        f"{100 * end['accuracy']:.1f}% after {end['images_processed']:,.0f} images")
    return out
  name = min(reached, key=reached.get)
  images = reached[name]
  out.update(full_images_to_accuracy=images, full_images_to_accuracy_from=name,
             speedup_to_accuracy=images / images_processed,
             faster_than_full=images > images_processed)
  seconds = _seconds_at(curves[name], images)
  if seconds is not None and fit_seconds:
    out['speedup_to_accuracy_seconds'] = seconds / fit_seconds
  return out


def verdict(row) -> Optional[str]:
  """One sentence on whether a small set (a schema.Row) beats the full data at equal
  work: faster, NOT faster, or not compared (and why)."""
  if row.faster_than_full is None:
    reason = row.full_images_to_accuracy_reason
    return f'{row.training_set}: not compared ({reason})' if reason else None
  accuracy, mine = 100 * row.accuracy, row.images_processed
  full, source = row.full_images_to_accuracy, row.full_images_to_accuracy_from
  same = row.full_accuracy_at_same_images
  at_same = ('' if same is None else f"; at this set's {mine:,.0f} images the full data "
             f'is at {100 * same:.1f}%')
  distilled = getattr(row, 'distill_seconds', None)
  trainings = getattr(row, 'break_even_trainings', None)
  cost = '' if distilled is None else f'; it took {distilled:,.0f} s to make' + (
      f', which {trainings:,} trainings on it pay back' if trainings else
      ', which no number of trainings on it pays back')
  if row.faster_than_full:
    return (f'{row.training_set}: {row.speedup_to_accuracy:.1f}x faster than the full '
            f'data to {accuracy:.1f}%: {mine:,.0f} images processed, where the full data '
            f'({source}) needs {full:,.0f}{at_same}{cost}')
  return (f'{row.training_set}: NOT faster than the full data: it reaches '
          f'{accuracy:.1f}% after {mine:,.0f} images processed, the full data '
          f'({source}) after {full:,.0f} ({row.speedup_to_accuracy:.2f}x){at_same}{cost}')
