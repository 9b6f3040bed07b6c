"""The short-training bench's full-data rows (bench/short_training.py): full_Kx_steps
trains the pool with the small-set recipe for K times its steps, and counts as a
full-data curve."""

import pytest

from tfx_distill.trainer.settings import SmallSetTraining, TrainSettings

from tests.bench.loader import load


@pytest.fixture(scope='module')
def bench():
  return load('short_training')


def test_longer_full_rows_train_the_recipe_for_k_times_its_steps(bench):
  small, base = SmallSetTraining(steps=300), TrainSettings(seed=2)
  assert bench.row_settings('full', small, base) == base
  assert bench.row_settings('full_same_steps', small, base).small_set.steps == 300
  three = bench.row_settings('full_3x_steps', small, base)
  assert three.small_set.steps == 900 and three.small_set.learning_rate == small.learning_rate
  assert bench.row_settings('full_10x_steps', small, base).small_set.steps == 3000
  assert bench.row_settings('nfr_10_last', small, base).small_set.steps == 300
  assert [bench.is_full(n) for n in ('full', 'full_3x_steps', 'full_same_steps',
                                      'random:10', 'nfr_10_3x_steps')] == [
                                          True, True, True, False, False]
