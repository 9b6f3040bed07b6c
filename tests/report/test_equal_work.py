"""The equal-work comparison's pieces against hand-computed values."""

from types import SimpleNamespace

import pytest

from tfx_distill.components.report.equal_work import compare, mean_curve, verdict


def point(grid, images, accuracy, seconds):
  return {'point': grid, 'images_processed': images, 'fit_seconds': seconds,
          'accuracy': accuracy}


def test_mean_curve_averages_the_shared_grid_points_and_a_common_end():
  a = [point(100, 100, 0.5, 1.0), point(147, 150, 0.6, 1.5), point(None, 200, 0.7, 2.0)]
  b = [point(100, 100, 0.3, 3.0), point(147, 150, 0.8, 2.5), point(None, 200, 0.9, 4.0)]
  mean = mean_curve([a, b])
  assert [p['point'] for p in mean] == [100, 147, None]
  assert [p['accuracy'] for p in mean] == pytest.approx([0.4, 0.7, 0.8])
  assert [p['fit_seconds'] for p in mean] == pytest.approx([2.0, 2.0, 3.0])
  # Runs of different lengths (early stopping): only the grid points both measured.
  c = b[:2] + [point(215, 220, 0.85, 5.0), point(None, 300, 0.9, 6.0)]
  assert [p['point'] for p in mean_curve([a, c])] == [100, 147]
  assert mean_curve([]) == [] and mean_curve([None, a]) == [dict(p) for p in a]


def test_compare_reads_images_and_seconds_off_the_full_curve():
  full = [point(100, 100, 0.5, 1.0), point(1000, 1000, 0.9, 10.0)]
  out = compare(0.7, 50.0, 0.25, {'full': full})
  assert out['full_images_to_accuracy'] == pytest.approx(10 ** 2.5)  # half way in log
  assert out['speedup_to_accuracy'] == pytest.approx(10 ** 2.5 / 50)
  # Fit seconds linear in images between the points: 1 + 9 * (316.2 - 100) / 900.
  seconds = 1.0 + 9.0 * (10 ** 2.5 - 100) / 900
  assert out['speedup_to_accuracy_seconds'] == pytest.approx(seconds / 0.25)
  assert out['full_accuracy_at_same_images'] is None  # 50 images: before the curve
  assert out['faster_than_full'] is True
  assert 'NOT' not in verdict(SimpleNamespace(training_set='x', accuracy=0.7,
                                              images_processed=50.0, **out))
  slow = compare(0.7, 1000.0, 5.0, {'full': full})
  assert slow['faster_than_full'] is False and slow['speedup_to_accuracy'] < 1
  assert 'NOT faster' in verdict(SimpleNamespace(training_set='x', accuracy=0.7,
                                                 images_processed=1000.0, **slow))
  missing = compare(None, 100.0, 1.0, {'full': full})
  assert missing['faster_than_full'] is None and missing['full_images_to_accuracy_reason']
  # Above every full-data curve: not compared (every curve was cut short), never faster.
  beyond = compare(0.95, 100.0, 1.0, {'full': full, 'longer': full + [
      point(None, 3000, 0.93, 30.0)]})
  assert beyond['faster_than_full'] is None and beyond['speedup_to_accuracy'] is None
  assert beyond['full_images_to_accuracy_reason'] == (
      'no full-data run reaches 95.0%; the longest, longer, ends at 93.0% after 3,000 '
      'images')
  assert verdict(SimpleNamespace(training_set='x', **beyond)) == (
      'x: not compared (no full-data run reaches 95.0%; the longest, longer, ends at '
      '93.0% after 3,000 images)')
