"""The learning curve in a training record (`training.json`'s `eval_curve`): accuracy
on the eval split at fixed points of images processed, written by every Trainer
(trainer/curve.py) and read by the report, which sets each small set against the full
data at equal work (components/report/summary.py). For reporting only: nothing
selects, stops or blesses by it.

The grid: POINTS_PER_DECADE log-spaced points a decade from FIRST_POINT images
(100, 147, 215, 316, 464, 681, 1,000, 1,468, ...), the same for every set: dense where
short training lives, sparse where long training does.

A record: {'split': 'eval', 'first_point', 'points_per_decade', 'images' (eval
images), 'curve_seconds' (wall time of the curve's own passes, outside fit_seconds),
'points': [{'point' (grid point, None for the end of training), 'images_processed',
'steps', 'fit_seconds' (fit time so far), 'accuracy'}, ...]}, in training order.
"""

import math
from typing import Dict, List, Optional, Sequence

FIRST_POINT = 100  # images processed
POINTS_PER_DECADE = 6
Point = Dict[str, Optional[float]]


def grid(last: int) -> List[int]:
  """The grid points up to `last` images processed (the same for every set)."""
  points, k = [], 0
  while True:
    point = int(round(FIRST_POINT * 10 ** (k / POINTS_PER_DECADE)))
    if point > last:
      return points
    points.append(point)
    k += 1


def to_record(points: Sequence[Point], eval_images: int, seconds: float) -> dict:
  """The `eval_curve` of a training record."""
  return {'split': 'eval', 'first_point': FIRST_POINT,
          'points_per_decade': POINTS_PER_DECADE, 'images': int(eval_images),
          'curve_seconds': float(seconds), 'points': list(points)}


def images_to_accuracy(points: Sequence[Point], target: float) -> Optional[float]:
  """Images processed at which a curve first reaches `target` accuracy, interpolated
  linearly in log(images) between the two points around it; None if it never does."""
  previous = None
  for p in points:
    if p['accuracy'] >= target:
      if previous is None or p['accuracy'] == previous['accuracy']:
        return float(p['images_processed'])
      share = (target - previous['accuracy']) / (p['accuracy'] - previous['accuracy'])
      low, high = math.log(previous['images_processed']), math.log(p['images_processed'])
      return float(math.exp(low + share * (high - low)))
    previous = p
  return None


def accuracy_at(points: Sequence[Point], images: float) -> Optional[float]:
  """A curve's accuracy after `images` images processed, interpolated linearly in
  log(images); None outside the measured range."""
  for before, after in zip(points, points[1:]):
    if before['images_processed'] <= images <= after['images_processed']:
      low, high = math.log(before['images_processed']), math.log(after['images_processed'])
      share = 0.0 if high == low else (math.log(images) - low) / (high - low)
      return before['accuracy'] + share * (after['accuracy'] - before['accuracy'])
  if points and points[-1]['images_processed'] == images:
    return points[-1]['accuracy']
  return None
