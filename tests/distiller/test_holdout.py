"""nfr's keep-best holdout: `auto` (the default) derived from the pool, an explicit
number honoured, one that leaves a class too few pool images refused in one line; and
the smoke preset's nfr on 1,000 digits, which a fixed 1,000 refused."""

import dataclasses

import numpy as np
import pytest

from tfx_distill.components.distiller import keep_best
from tfx_distill.components.ingest.ingest import build_splits
from tfx_distill.components.ingest.settings import IngestSettings
from tfx_distill.components.distiller.settings import AUTO_HOLDOUT, NfrSettings
from tfx_distill.contracts import kip_format
from tfx_distill.contracts.errors import ConfigError
from tfx_distill.contracts.sources import SAMPLE_PATH
from tfx_distill.pipeline import cli


def pool(*counts):
  """Labels with counts[c] images of class c (the rest of ten classes as the last)."""
  counts = list(counts) + [counts[-1]] * (10 - len(counts))
  return np.random.default_rng(0).permutation(np.repeat(np.arange(10), counts))


@pytest.mark.parametrize('smallest,images_per_class,expected', [
    (621, 1, 1000),  # the demo's pool (7,200 train images of the bundled 10,000)
    (672, 50, 1000),  # the bench's pool8k.npz (7,920 train images)
    (500, 1, 1000),
    (124, 1, 240),  # the smoke preset's 1,440
    (62, 50, 120),  # 1,000 digits: 720 train images
    (10, 9, 10),  # leaves the class images_per_class pool images
    (4, 1, 0),  # too small to hold any out: keep-best scores nothing
])
def test_auto_is_a_fifth_of_the_smallest_class_at_most_1000(smallest, images_per_class,
                                                             expected):
  labels = pool(smallest, 900)
  settings = NfrSettings()
  assert settings.holdout == AUTO_HOLDOUT
  assert keep_best.holdout_size(labels, settings, images_per_class) == expected
  candidates, held = keep_best.split_holdout(labels, settings, images_per_class)
  assert len(held) == expected and len(candidates) == len(labels) - expected
  assert np.bincount(labels[candidates], minlength=10).min() >= images_per_class


def test_auto_holds_out_the_images_a_fixed_1000_did_where_it_gives_1000():
  """The same held-out images, hence the same targets and the same bytes, as the old
  fixed default on the demo's and the bench's pools."""
  labels = pool(621, 700, 800)
  for seed in (0, 1, 2):
    auto = keep_best.split_holdout(labels, NfrSettings(seed=seed), 50)
    fixed = keep_best.split_holdout(labels, NfrSettings(seed=seed, holdout=1000), 50)
    for got, want in zip(auto, fixed):
      np.testing.assert_array_equal(got, want)


def test_an_explicit_holdout_is_honoured():
  labels = pool(62, 80)
  for holdout in (0, 50, 600):
    assert keep_best.holdout_size(labels, NfrSettings(holdout=holdout), 1) == holdout
  assert len(keep_best.split_holdout(labels, NfrSettings(holdout=50))[1]) == 50
  with pytest.raises(ConfigError, match=r'distill.holdout must be auto \(-1\) or >= 0, '
                     'got -2'):
    NfrSettings(holdout=-2).validate()


def write_digits(path, n):
  with np.load(SAMPLE_PATH, allow_pickle=False) as data:
    np.savez(path, x=data['x'][:n], y=data['y'][:n])


NFR_SMOKE = ['--preset', 'smoke', '--method', 'nfr', '--ipc', '1', '--steps', '2']


def test_the_smoke_presets_nfr_runs_on_1000_digits(tmp_path, capsys):
  write_digits(tmp_path / 'digits.npz', 1000)
  out = tmp_path / 'nfr.npz'
  assert cli.main(['distill', '--data', f'npz:{tmp_path / "digits.npz"}', *NFR_SMOKE,
                   '--out', str(out)]) == 0, capsys.readouterr().err
  assert kip_format.load(str(out)).images.shape == (10, 28, 28, 1)
  train = build_splits(IngestSettings(data=f'npz:{tmp_path / "digits.npz"}'))['train']
  assert len(train.labels) == 720
  expected = keep_best.holdout_size(train.labels, NfrSettings(), 1)
  assert 0 < expected < 1000
  assert f', holdout_images {expected},' in capsys.readouterr().err
  # `--holdout auto` is the default; an explicit value is honoured...
  assert cli.main(['distill', '--data', f'npz:{tmp_path / "digits.npz"}', *NFR_SMOKE,
                   '--holdout', 'auto', '--out', str(tmp_path / 'auto.npz')]) == 0
  assert (tmp_path / 'auto.npz').read_bytes() == out.read_bytes()
  assert cli.main(['distill', '--data', f'npz:{tmp_path / "digits.npz"}', *NFR_SMOKE,
                   '--holdout', '30', '--out', str(tmp_path / 'h30.npz')]) == 0
  assert ', holdout_images 30,' in capsys.readouterr().err
  # ... and one that leaves a class no pool image fails with one line.
  assert cli.main(['distill', '--data', f'npz:{tmp_path / "digits.npz"}', *NFR_SMOKE,
                   '--holdout', '1000', '--out', str(tmp_path / 'x.npz')]) == 2
  assert capsys.readouterr().err.strip() == (
      'tfx-distill: error: distill.holdout 1000 leaves 0 pool images of a class for 1 '
      'per class; lower --holdout')
  assert not (tmp_path / 'x.npz').exists()


def test_holdout_flag_takes_auto_or_a_number(tmp_path, capsys):
  with pytest.raises(SystemExit) as exited:
    cli.main(['distill', '--data', 'sample', *NFR_SMOKE, '--holdout', 'most',
              '--out', str(tmp_path / 'x.npz')])
  assert exited.value.code == 2
  assert "expected auto or a number of images, got 'most'" in capsys.readouterr().err
  assert dataclasses.replace(NfrSettings(), holdout=5).validate().holdout == 5
