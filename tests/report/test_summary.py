"""The summary table's arithmetic on synthetic results: mean and spread, gap to the
full model, ordering, and which threshold decided a blessing."""

import math

import pytest

from tfx_distill.blessing.result import (FLOOR, MAX_DROP, MAX_ECE, MISSING, PASSED, SLICE,
                                         UNKNOWN, Failure, Thresholds, blessing_decision)
from tfx_distill.components.report.summary import (ModelResult, break_even, describe_set,
                                                   mean_std, summarise)
from tfx_distill.contracts import identity

SETS = {'full': identity.full(), 'full_same_steps': identity.full(identity.SMALL_SET),
        'kipset_0': identity.imported(0),
        **{f'{m}_{n}': identity.distilled(m, n, reference=m == 'random')
           for m in ('random', 'kip', 'nfr') for n in (1, 10, 50)}}


def result(name, seed, **values):
  """A ModelResult of the named training set (its identity from SETS)."""
  return ModelResult(name, seed, SETS[name], **values)


def test_mean_std():
  assert mean_std([]) == (None, None)
  assert mean_std([None, float('nan')]) == (None, None)
  assert mean_std([0.5]) == (0.5, None)
  mean, std = mean_std([0.9, 0.92, 0.94])
  assert mean == pytest.approx(0.92) and std == pytest.approx(0.02)  # sample std
  assert mean_std([1.0, None, 3.0]) == (2.0, pytest.approx(math.sqrt(2)))


def test_describe_set():
  assert describe_set(SETS['full']) == ('full', None)
  assert describe_set(SETS['full_same_steps']) == ('full, small-set recipe', None)
  assert describe_set(SETS['kip_50']) == ('kip', 50)
  assert describe_set(SETS['random_1']) == ('random', 1)
  assert describe_set(SETS['kipset_0']) == ('kip set 0 (imported)', None)


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


def test_decision_calibration_bound():
  thresholds = Thresholds(floor=0.5, max_drop=0.02, has_baseline=True, max_ece=0.05)
  text, decided = blessing_decision(True, (), thresholds, 0.97)
  assert decided == PASSED and 'ECE <= 5.0%' in text
  ece = Failure('overall', 'expected_calibration_error', False, 0.05, 0.121)
  drop = Failure('overall', 'sparse_categorical_accuracy', True, -0.0, -0.03)
  assert blessing_decision(False, [ece], thresholds) == (
      'failed: ECE 12.1% > max 5.0%', MAX_ECE)
  text, decided = blessing_decision(False, [ece, drop], thresholds)
  assert decided == f'{MAX_DROP} + {MAX_ECE}'
  assert 'dropped 3.0 pts vs baseline (max 0.0)' in text


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
      result('kip_1', 0, accuracy=0.90, fit_seconds=2.0, epochs=300, images=10,
                  optimizer_steps=300, images_processed=3000, temperature=0.05,
                  valid_ece_before=0.7, valid_ece_after=0.02,
                  blessed=True, validation_ok=True, thresholds=THRESHOLDS),
      result('full', 1, accuracy=0.98, fit_seconds=31.0, epochs=8,
                  images=8000, blessed=True, validation_ok=True),
      result('full', 0, accuracy=0.96, fit_seconds=29.0, epochs=8,
                  images=8000, blessed=True, validation_ok=True),
      result('random_1', 0, accuracy=0.66, fit_seconds=1.5, epochs=300,
                  images=10, blessed=False, validation_ok=False, failures=[drop],
                  thresholds=THRESHOLDS),
      result('random_50', 0, accuracy=0.95, images=500),
  ]
  rows = [r.to_json() for r in summarise(results, pushed={'full': '/serving/full/1'})]
  assert [r['training_set'] for r in rows] == ['full', 'random_1', 'kip_1', 'random_50']
  full, random_1, kip_1, random_50 = rows
  assert full['accuracy'] == pytest.approx(0.97)
  assert full['accuracy_std'] == pytest.approx(math.sqrt(2) * 0.01)
  assert full['fit_seconds'] == pytest.approx(30.0) and full['seeds'] == [0, 1]
  assert full['gap_to_full_points'] == pytest.approx(0.0)
  assert full['blessed_seeds'] == '2/2' and full['pushed_to'] == '/serving/full/1'
  assert kip_1['gap_to_full_points'] == pytest.approx(-7.0)
  assert kip_1['accuracy_std'] is None and kip_1['method'] == 'kip'
  assert kip_1['images_per_class'] == 1 and kip_1['images'] == 10
  assert random_1['blessed'] is False and random_1['decided_by'] == MAX_DROP
  assert random_1['pushed_to'] is None
  assert random_50['fit_seconds'] is None and random_50['decided_by'] == UNKNOWN
  # No learning curves recorded: no equal-work comparison, and the reason says so.
  assert kip_1['speedup_to_accuracy'] is None and full['speedup_to_accuracy'] is None
  assert kip_1['full_images_to_accuracy_reason'] == 'no full-data learning curve was recorded'
  assert (kip_1['optimizer_steps'], kip_1['images_processed']) == (300, 3000)
  assert (kip_1['temperature'], kip_1['valid_ece_before'], kip_1['valid_ece_after']) == (
      0.05, 0.7, 0.02)


def curve(*points, seconds_per_image=0.01):
  return [{'point': images, 'images_processed': images, 'steps': images // 100,
           'fit_seconds': seconds_per_image * images, 'accuracy': accuracy}
          for images, accuracy in points]


def test_small_sets_against_the_fewer_images_of_the_two_full_runs():
  # full (early stopped) is slower to 90% than full_same_steps; both reach 95%.
  full = curve((100, 0.4), (1000, 0.8), (10000, 0.95))
  same = curve((100, 0.5), (1000, 0.9), (10000, 0.96), seconds_per_image=0.02)
  results = [result('full', 0, accuracy=0.97, eval_curve=full),
             result('full_same_steps', 0, accuracy=0.96, eval_curve=same),
             result('nfr_1', 0, accuracy=0.90, images_processed=100,
                         fit_seconds=0.5),
             result('nfr_50', 0, accuracy=0.90, images_processed=10000,
                         fit_seconds=20.0),
             result('kip_10', 0, accuracy=0.99, images_processed=1000,
                         fit_seconds=5.0)]
  rows = {r.training_set: r.to_json() for r in summarise(results)}
  assert list(rows) == ['full', 'full_same_steps', 'nfr_1', 'kip_10', 'nfr_50']
  nfr_1, nfr_50, kip_10 = rows['nfr_1'], rows['nfr_50'], rows['kip_10']
  # 90%: full_same_steps at 1,000 images (full only at 10 ** 3.667 = 4,642).
  assert nfr_1['full_images_to_accuracy'] == pytest.approx(1000)
  assert nfr_1['full_images_to_accuracy_from'] == 'full_same_steps'
  assert nfr_1['speedup_to_accuracy'] == pytest.approx(10.0)
  assert nfr_1['speedup_to_accuracy_seconds'] == pytest.approx(20.0 / 0.5)
  assert nfr_1['full_accuracy_at_same_images'] == pytest.approx(0.5)  # the better one
  assert nfr_1['faster_than_full'] is True
  assert nfr_50['speedup_to_accuracy'] == pytest.approx(0.1)
  assert nfr_50['faster_than_full'] is False
  assert nfr_50['full_accuracy_at_same_images'] == pytest.approx(0.96)
  # 99%: no full run gets there: not compared (both were cut short), never faster.
  assert kip_10['full_images_to_accuracy'] is None and kip_10['faster_than_full'] is None
  assert kip_10['full_images_to_accuracy_reason'] == (
      'no full-data run reaches 99.0%; the longest, full_same_steps, ends at 96.0% after '
      '10,000 images')
  assert rows['full']['faster_than_full'] is None
  assert rows['full_same_steps']['method'] == 'full, small-set recipe'



def test_break_even():
  # 85 s to distil, 5 s a fit on the set, 13 s for the full data to the same accuracy:
  # n trainings cost 85 + 5n on the set and 13n on the full data: 85 <= 8n from n = 11.
  assert break_even(85.0, 5.0, 13.0) == 11
  assert 85.0 + 5.0 * 11 <= 13.0 * 11 and 85.0 + 5.0 * 10 > 13.0 * 10
  assert break_even(0.0, 5.0, 13.0) == 1  # free to make: the first training pays
  assert break_even(85.0, 13.0, 13.0) is None  # no faster a training: never
  assert break_even(None, 5.0, 13.0) is None


def test_rows_carry_the_cost_and_break_even_of_their_sets():
  full = curve((100, 0.4), (1000, 0.8), (10000, 0.95))  # 0.01 s an image
  results = [result('full', 0, accuracy=0.97, eval_curve=full),
             result('nfr_10', 0, accuracy=0.80, images_processed=100, fit_seconds=2.0),
             result('random_10', 0, accuracy=0.95, images_processed=100000,
                    fit_seconds=50.0)]
  rows = {r.training_set: r for r in summarise(
      results, distill_seconds={'nfr_10': 30.0, 'random_10': 0.5})}
  nfr = rows['nfr_10']
  # The full data reaches 80% after 1,000 images: 10 s; the set takes 2 s a training.
  assert nfr.speedup_to_accuracy_seconds == pytest.approx(5.0)
  assert (nfr.distill_seconds, nfr.cost_seconds) == (30.0, 32.0)
  assert nfr.break_even_trainings == 4  # 30 + 2n <= 10n from n = 3.75
  slow = rows['random_10']
  assert slow.faster_than_full is False and slow.break_even_trainings is None
  assert rows['full'].break_even_trainings is None and rows['full'].distill_seconds is None


def test_a_sets_other_seeds_count_in_its_accuracy_time_and_curves():
  """--small-seeds: a small set's Trainer trains it again with other seeds; the row's
  accuracy, spread, fit time and curve are over every training, the exported model's
  first; the blessing stays the exported model's."""
  full_curve = curve((100, 0.5), (1000, 0.90), (10000, 0.99))
  results = [
      result('full_same_steps', 0, accuracy=0.93, fit_seconds=3.0, images_processed=3000,
             eval_curve=curve((100, 0.5), (1000, 0.90), (3000, 0.93)),
             other_seeds=[{'seed': 1000, 'accuracy': 0.95, 'fit_seconds': 5.0,
                           'eval_curve': curve((100, 0.7), (1000, 0.92), (3000, 0.95))}]),
      ModelResult('full_3x_steps', 0, identity.full(identity.SMALL_SET, work=3),
                  accuracy=0.99, eval_curve=full_curve),
      result('nfr_10', 0, accuracy=0.90, fit_seconds=2.0, images_processed=3000,
             blessed=True, validation_ok=True, thresholds=THRESHOLDS,
             other_seeds=[{'seed': 1000, 'accuracy': 0.94, 'fit_seconds': 4.0,
                           'eval_curve': None},
                          {'seed': 2000, 'accuracy': 0.92, 'fit_seconds': 30.0,
                           'eval_curve': None}]),
  ]
  rows = {r.training_set: r for r in summarise(results)}
  nfr = rows['nfr_10']
  assert nfr.accuracies == [0.90, 0.94, 0.92] and nfr.seeds == [0]
  assert nfr.accuracy == pytest.approx(0.92) and nfr.accuracy_std == pytest.approx(0.02)
  # Its fit time is the median: the training the machine stalled (30 s) does not move it.
  assert nfr.fit_seconds == pytest.approx(4.0) and nfr.blessed is True
  same = rows['full_same_steps']
  assert same.accuracy == pytest.approx(0.94)
  # Its curve is the mean of both trainings' curves, point by point.
  assert [p['accuracy'] for p in same.eval_curve] == pytest.approx([0.6, 0.91, 0.94])
  # The set's mean (92%) against the full curves (full_same_steps' mean reaches 91%
  # after 1,000 images, 94% after 3,000): between, in log images.
  assert nfr.full_images_to_accuracy == pytest.approx(1000 * 3 ** (1 / 3), rel=1e-3)
