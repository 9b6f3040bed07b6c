"""The learning curve: its grid and interpolation against hand-computed values, and
run_fn recording it on the eval split, for the report only, outside the fit time."""

import math

import numpy as np
import pytest

from tfx_distill.contracts import model_format
from tfx_distill.contracts.learning_curve import accuracy_at, grid, images_to_accuracy
from tfx_distill.trainer import task

from tests.trainer.test_task import served

from tests.trainer.conftest import (TRAIN_IMAGES, VALID_IMAGES, examples_artifact,
                                    make_fn_args, sample_digits, valid_split)
from tfx_distill.contracts.example_format import make_split

BASE = {'batch_size': 16, 'strategy': 'default', 'seed': 3, 'width': 8, 'verbose': 0}
EVAL_IMAGES = 50


def test_grid_is_log_spaced_from_100_and_the_same_for_every_length():
  assert grid(1000) == [100, 147, 215, 316, 464, 681, 1000]
  assert grid(99) == []
  assert grid(100_000)[:7] == grid(1000)  # a longer run extends the same grid
  ratios = np.diff(np.log10(grid(100_000)))
  assert np.allclose(ratios, 1 / 6, atol=0.005)


def test_images_to_accuracy_and_accuracy_at_interpolate_in_log_images():
  points = [{'images_processed': 100, 'accuracy': 0.5},
            {'images_processed': 1000, 'accuracy': 0.9},
            {'images_processed': 10000, 'accuracy': 0.95}]
  # 0.7 is half way from 0.5 to 0.9: half way in log10 from 100 to 1000.
  assert images_to_accuracy(points, 0.7) == pytest.approx(10 ** 2.5)
  assert images_to_accuracy(points, 0.9) == pytest.approx(1000)
  assert images_to_accuracy(points, 0.4) == 100  # reached at the first point
  assert images_to_accuracy(points, 0.96) is None
  assert accuracy_at(points, 10 ** 3.5) == pytest.approx(0.925)
  assert accuracy_at(points, 100) == pytest.approx(0.5)
  assert accuracy_at(points, 50) is None and accuracy_at(points, 20000) is None
  # Not monotone: the first time the curve reaches the target counts.
  dip = points[:2] + [{'images_processed': 2000, 'accuracy': 0.6}] + points[2:]
  assert images_to_accuracy(dip, 0.9) == pytest.approx(1000)


def with_eval(tmp_path, plain_examples):
  """The plain examples with an eval split of other digits."""
  uri = str(tmp_path / 'with_eval')
  examples_artifact(uri, {'train': make_split(*sample_digits(TRAIN_IMAGES)),
                          'valid': valid_split(),
                          'eval': make_split(*sample_digits(EVAL_IMAGES, start=2000))})
  return uri


def test_run_fn_records_the_eval_curve_at_the_grid_points(tmp_path, plain_examples):
  small = {'steps': 40, 'batch_size': 10, 'learning_rate': 0.003, 'schedule': 'cosine'}
  args = make_fn_args(tmp_path, with_eval(tmp_path, plain_examples),
                      {**BASE, 'small_set': small}, eval_split=['valid', 'eval'])
  task.run_fn(args)
  run = model_format.read_record(args.model_run_dir)
  curve = run['eval_curve']
  points = curve['points']
  # 40 steps x batch 10 = 400 images: grid points 100, 147, 215, 316, then the end.
  assert [p['point'] for p in points] == [100, 147, 215, 316, None]
  assert [p['images_processed'] for p in points] == [100, 150, 220, 320, 400]
  assert [p['steps'] for p in points] == [10, 15, 22, 32, 40]
  assert curve['images'] == EVAL_IMAGES and curve['split'] == 'eval'
  for p in points:  # an accuracy on 50 images: a multiple of 1/50
    assert 0.0 <= p['accuracy'] <= 1.0 and math.isclose(p['accuracy'] * 50,
                                                         round(p['accuracy'] * 50))
  # The curve's passes are out of the fit time: the fit time at the end is the run's.
  times = [p['fit_seconds'] for p in points]
  assert times == sorted(times) and times[-1] == pytest.approx(run['fit_seconds'], rel=0.2)
  assert curve['curve_seconds'] > 0
  assert run['validation_seconds'] >= curve['curve_seconds']
  # Only the valid split calibrates (never eval).
  assert run['calibration']['valid_images'] == VALID_IMAGES


def test_without_the_eval_split_there_is_no_curve(tmp_path, plain_examples):
  args = make_fn_args(tmp_path, plain_examples, {**BASE, 'epochs': 1})
  task.run_fn(args)
  assert model_format.read_record(args.model_run_dir)['eval_curve'] is None


def test_a_small_set_trains_again_with_its_other_seeds(tmp_path, plain_examples):
  """small_set.seeds 3: two more trainings of the same plan with seeds + 1000 j, each
  measured on the eval split; the exported model and the record's own numbers are the
  first seed's, as a run with one seed makes them."""
  small = {'steps': 30, 'batch_size': 10, 'learning_rate': 0.01, 'schedule': 'cosine'}
  uri = with_eval(tmp_path, plain_examples)
  runs, outputs = {}, {}
  for seeds in (1, 3):
    args = make_fn_args(tmp_path / str(seeds), uri,
                        {**BASE, 'small_set': {**small, 'seeds': seeds}},
                        eval_split=['valid', 'eval'])
    task.run_fn(args)
    runs[seeds] = model_format.read_record(args.model_run_dir)
    outputs[seeds] = served(args.serving_model_dir, valid_split().images)
  one, three = runs[1], runs[3]
  np.testing.assert_allclose(outputs[3], outputs[1], rtol=1e-5, atol=1e-6)
  assert one['other_seeds'] == []
  others = three['other_seeds']
  assert [o['seed'] for o in others] == [1003, 2003]
  first = [p['accuracy'] for p in three['eval_curve']['points']]
  assert first == [p['accuracy'] for p in one['eval_curve']['points']]
  for other in others:
    points = other['eval_curve']['points']
    assert [p['images_processed'] for p in points] == [
        p['images_processed'] for p in three['eval_curve']['points']]
    assert other['accuracy'] == points[-1]['accuracy']
    assert other['images_processed'] == 300 and other['fit_seconds'] > 0
  # Other seeds, other networks: not all three curves are the same (with one seed for
  # all of them they would be).
  curves = [first] + [[p['accuracy'] for p in o['eval_curve']['points']] for o in others]
  assert any(curve != first for curve in curves[1:]), curves


def test_other_seeds_need_the_eval_split(tmp_path, plain_examples):
  args = make_fn_args(tmp_path, plain_examples,
                      {**BASE, 'small_set': {'steps': 5, 'seeds': 2}})
  task.run_fn(args)
  assert model_format.read_record(args.model_run_dir)['other_seeds'] == []
