"""The recipe-selection bench (bench/recipe_selection.py) never reads the test images:
sets are drawn from the pool's first part and every recipe is scored on its last part."""

import numpy as np
import pytest

from tests.bench.loader import load


@pytest.fixture(scope='module')
def bench():
  return load('recipe_selection')


def test_recipes_are_scored_on_the_pools_validation_part_only(bench, monkeypatch,
                                                               tmp_path):
  pool_x = np.arange(1200, dtype=np.float32)[:, None, None] * np.ones((1, 28, 28))
  pool_y = np.arange(1200) % 10
  test_x = np.full((50, 28, 28), -1.0, np.float32)  # never to be read
  monkeypatch.setattr(bench.short_training, 'load_pool_and_test',
                      lambda path='': (pool_x, pool_y, test_x, pool_y[:50]))
  monkeypatch.setattr(bench.short_training, 'RESULTS_DIR', str(tmp_path))
  trained = []

  def fake_train(images01, vectors, eval_x, eval_y, settings):
    trained.append((images01[:, 0, 0].copy(), eval_x[:, 0, 0].copy(), settings))
    # the higher the rate, the better, so that the choice is known
    return {'accuracy': settings.small_set.learning_rate}

  monkeypatch.setattr(bench.short_training, 'train', fake_train)
  bench.main(['--rows', 'random:2', '--set-seeds', '2', '--lrs', '1e-3,3e-3',
              '--batches', '10', '--dropouts', '0', '--tag', 't'])
  assert len(trained) == 4  # 2 recipes x 2 draws
  for set_ids, eval_ids, _ in trained:
    np.testing.assert_array_equal(eval_ids, np.arange(200, 1200))  # the last 1,000
    assert set_ids.max() < 200 and len(set_ids) == 20  # drawn from the rest
  text = (tmp_path / 'recipe_selection_t.md').read_text()
  assert 'Chosen on validation: peak lr 0.003, batch 10, dropout 0.' in text


def test_choose_takes_the_best_mean_over_rows(bench):
  scores = [{'a': 0.9, 'b': 0.5}, {'a': 0.8, 'b': 0.7}, {'a': 0.95, 'b': 0.4}]
  best, means = bench.choose(scores)
  assert best == 1 and means == pytest.approx([0.7, 0.75, 0.675])
