"""The summary table's arithmetic on synthetic results: mean and spread, gap to the
full model, ordering, and which threshold decided a blessing."""

import math

import pytest

from tfx_distill.components.report.summary import (FLOOR, MAX_DROP, MISSING, PASSED, SLICE, UNKNOWN,
                                       Failure, ModelResult, Thresholds,
                                       blessing_decision, describe_set, mean_std,
                                       summarise)


def test_mean_std():
  assert mean_std([]) == (None, None)
  assert mean_std([None, float('nan')]) == (None, None)
  assert mean_std([0.5]) == (0.5, None)
  mean, std = mean_std([0.9, 0.92, 0.94])
  assert mean == pytest.approx(0.92) and std == pytest.approx(0.02)  # sample std
  assert mean_std([1.0, None, 3.0]) == (2.0, pytest.approx(math.sqrt(2)))


def test_describe_set():
  assert describe_set('full') == ('full', None)
  assert describe_set('kip_50') == ('kip', 50)
  assert describe_set('random_1') == ('random', 1)
  assert describe_set('kipset_0') == ('kip set 0 (imported)', None)


THRESHOLDS = Thresholds(floor=0.5, max_drop=0.02, has_baseline=True)


def test_decision_passed_names_both_thresholds():
  text, decided = blessing_decision(True, (), THRESHOLDS, 0.97)
  assert decided == PASSED
  assert 'floor 50.0%' in text and 'drop <= 2.0 pts' in text and '97.0%' in text
  text, _ = blessing_decision(True, (), Thresholds(0.9, 0.02, has_baseline=False), 0.95)
  assert 'no baseline' in text


def test_decision_floor_and_max_drop():
  floor = Failure('overall', 'sparse_categorical_accuracy', False, 0.5, 0.3)
  drop = Failure('overall', 'sparse_categorical_accuracy', True, -0.02, -0.1)
  assert blessing_decision(False, [floor], THRESHOLDS) == (
      'failed: accuracy 30.0% < floor 50.0%', FLOOR)
  text, decided = blessing_decision(False, [drop], THRESHOLDS)
  assert decided == MAX_DROP and 'dropped 10.0 pts' in text and 'max 2.0' in text
  _, decided = blessing_decision(False, [drop, floor], THRESHOLDS)
  assert decided == f'{FLOOR} + {MAX_DROP}'


def test_decision_missing_metric_slice_only_and_unknown():
  missing = Failure('overall', 'sparse_categorical_accuracy', False, 0.5, None,
                    'Metric not found.')
  assert blessing_decision(False, [missing], THRESHOLDS)[1] == MISSING
  on_label = Failure('label=3', 'sparse_categorical_accuracy', False, 0.5, 0.2)
  text, decided = blessing_decision(False, [on_label], THRESHOLDS)
  assert decided == SLICE and 'label=3' in text
  assert blessing_decision(None, (), THRESHOLDS)[1] == UNKNOWN


def test_summarise_rows():
  drop = Failure('overall', 'sparse_categorical_accuracy', True, -0.02, -0.3)
  results = [
      ModelResult('kip_1', 0, accuracy=0.90, fit_seconds=2.0, epochs=300, support_size=10,
                  blessed=True, validation_ok=True, thresholds=THRESHOLDS),
      ModelResult('full', 1, accuracy=0.98, fit_seconds=31.0, epochs=8,
                  support_size=8000, blessed=True, validation_ok=True),
      ModelResult('full', 0, accuracy=0.96, fit_seconds=29.0, epochs=8,
                  support_size=8000, blessed=True, validation_ok=True),
      ModelResult('random_1', 0, accuracy=0.66, fit_seconds=1.5, epochs=300,
                  support_size=10, blessed=False, validation_ok=False, failures=[drop],
                  thresholds=THRESHOLDS),
      ModelResult('random_50', 0, accuracy=0.95, support_size=500),
  ]
  rows = summarise(results, pushed={'full': '/serving/full/1'})
  assert [r['training_set'] for r in rows] == ['full', 'random_1', 'kip_1', 'random_50']
  full, random_1, kip_1, random_50 = rows
  assert full['accuracy'] == pytest.approx(0.97)
  assert full['accuracy_std'] == pytest.approx(math.sqrt(2) * 0.01)
  assert full['fit_seconds'] == pytest.approx(30.0) and full['seeds'] == [0, 1]
  assert full['gap_to_full_points'] == pytest.approx(0.0)
  assert full['blessed_seeds'] == '2/2' and full['pushed_to'] == '/serving/full/1'
  assert kip_1['gap_to_full_points'] == pytest.approx(-7.0)
  assert kip_1['accuracy_std'] is None and kip_1['method'] == 'kip'
  assert kip_1['images_per_class'] == 1 and kip_1['support_size'] == 10
  assert random_1['blessed'] is False and random_1['decided_by'] == MAX_DROP
  assert random_1['pushed_to'] is None
  assert random_50['fit_seconds'] is None and random_50['decided_by'] == UNKNOWN
