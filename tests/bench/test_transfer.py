"""The transfer bench's row sizes and margins (bench/transfer.py): each set row is
compared with the random row of its own size, whatever words follow its size."""

import pytest

from tests.bench.loader import load


@pytest.fixture(scope='module')
def bench():
  return load('transfer')


@pytest.mark.parametrize('row,size', [
    ('random:50', 50), ('nfr_50', 50), ('nfr_50_last', 50), ('nfr_50_mixed_last', 50),
    ('nfr_10_500steps_last', 10), ('nfr_50_lr3e-3_last', 50), ('kip_1', 1), ('full_same_steps', None),
    ('full_3x_steps', None), ('full', None)])
def test_size_of(bench, row, size):
  assert bench.size_of(row) == size


def test_margins_against_the_random_row_of_the_same_size(bench):
  cells = {'mlp': {'random:10': {'mean': 0.80}, 'random:50': {'mean': 0.90},
                   'nfr_10_shift2': {'mean': 0.83}, 'nfr_50_mixed_last': {'mean': 0.88},
                   'full_same_steps': {'mean': 0.95}}}
  got = bench.margins(cells, list(cells['mlp']))
  assert set(got) == {('nfr_10_shift2', 'mlp'), ('nfr_50_mixed_last', 'mlp')}
  assert got[('nfr_10_shift2', 'mlp')] == pytest.approx(3.0)
  assert got[('nfr_50_mixed_last', 'mlp')] == pytest.approx(-2.0)
