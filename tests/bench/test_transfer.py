"""The transfer bench's row sizes and margins (bench/transfer.py): each set row is
compared with the random row of its own size, whatever words follow its size."""

import importlib.util
import os
import sys

import pytest

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'bench')


@pytest.fixture(scope='module')
def bench():
  sys.path.insert(0, BENCH)  # transfer.py imports short_training beside it
  try:
    spec = importlib.util.spec_from_file_location('transfer',
                                                  os.path.join(BENCH, 'transfer.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
  finally:
    sys.path.remove(BENCH)
  return module


@pytest.mark.parametrize('row,size', [
    ('random:50', 50), ('nfr_50', 50), ('nfr_50_last', 50), ('nfr_50_mixed_last', 50),
    ('nfr_10_500steps_last', 10), ('kip_1', 1), ('full_same_steps', None),
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
