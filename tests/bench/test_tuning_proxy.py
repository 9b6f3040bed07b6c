"""The tuning-proxy bench's measures (bench/tuning_proxy.py) against closed forms and
SciPy's Spearman; its grid and settings as the bench README states them."""

import numpy as np
import pytest
from scipy import stats

from tests.bench.loader import load


@pytest.fixture(scope='module')
def bench():
  return load('tuning_proxy')


def test_ranks_average_ties(bench):
  np.testing.assert_array_equal(bench.ranks([0.9, 0.5, 0.9, 0.1]), [3.5, 2, 3.5, 1])


@pytest.mark.parametrize('seed', range(4))
def test_spearman_is_scipys(bench, seed):
  rng = np.random.default_rng(seed)
  a = rng.integers(0, 6, 24) / 10  # ties, as accuracies on 2,000 images have
  b = a + rng.normal(0, 0.2, 24)
  assert bench.spearman(a, b) == pytest.approx(stats.spearmanr(a, b).statistic, abs=1e-12)
  assert bench.spearman(a, a) == pytest.approx(1.0)
  assert bench.spearman(a, -a) == pytest.approx(-1.0)


def test_top1_regret_is_the_truths_loss_at_the_proxys_pick(bench):
  truth = [0.95, 0.97, 0.96]
  assert bench.top1_regret([0.5, 0.9, 0.1], truth) == pytest.approx(0.0)
  assert bench.top1_regret([0.9, 0.5, 0.1], truth) == pytest.approx(2.0)
  assert bench.top1_regret([0.1, 0.2, 0.3], truth) == pytest.approx(1.0)


def test_the_grid_and_the_equal_work_of_the_proxies(bench):
  configs = bench.configurations()
  assert len(configs) == 16 and len({tuple(c.values()) for c in configs}) == 16
  for config in configs:
    proxy = bench.proxy_settings(config, 0, 6000)
    assert proxy.small_set.steps * proxy.small_set.batch_size == pytest.approx(6000, rel=0.02)
    assert (proxy.small_set.learning_rate, proxy.dropout) == (
        config['learning_rate'], config['dropout'])
    truth = bench.full_settings(config, 0, 3)
    assert truth.small_set is None and truth.patience == 0
    assert (truth.batch_size, truth.learning_rate, truth.width) == (
        config['batch_size'], config['learning_rate'], proxy.width)
