"""The distill() dispatch for every method, determinism of the written file, and the
standalone `distill` command with checkpoint and resume."""

import argparse

import numpy as np
import pytest

from components.distiller import kip_format, standalone
from components.distiller.distill import DistillSettings, distill
from components.example_format import plain_label_vectors
from components.ingest.sources import DataError

SMALL = DistillSettings(steps=3, target_batch=50, num_networks=1, seed=3)


def _digits(per_class=12, seed=0):
  rng = np.random.default_rng(seed)
  labels = rng.permutation(np.repeat(np.arange(10), per_class))
  images = rng.uniform(0, 0.2, (len(labels), 28, 28)).astype(np.float32)
  images[np.arange(len(labels)), 3 + 2 * labels, 5:22] = 1.0
  return images, labels


@pytest.mark.parametrize('method', ['random', 'first', 'herding', 'kip', 'logreg'])
def test_every_method_returns_a_class_ordered_set_in_kip_format(method):
  images, labels = _digits()
  result = distill(images, labels, method, 2, SMALL)
  assert result.images.shape == (20, 28, 28, 1) and result.images.dtype == np.float32
  assert result.labels.shape == (20, 10) and result.labels.dtype == np.float32
  np.testing.assert_array_equal(result.classes, np.repeat(np.arange(10), 2))
  assert np.all(np.isfinite(result.images)) and result.info['wall_time_s'] > 0
  if method != 'kip':
    np.testing.assert_allclose(result.labels, plain_label_vectors(result.classes))


def test_unknown_method_and_too_large_sets_are_refused():
  images, labels = _digits()
  with pytest.raises(ValueError, match='unknown'):
    distill(images, labels, 'magic', 1, SMALL)
  with pytest.raises(ValueError, match='smallest class'):
    distill(images, labels, 'random', 13, SMALL)


def test_same_settings_give_a_byte_identical_file(tmp_path):
  images, labels = _digits()
  paths = []
  for name in ('a.npz', 'b.npz'):
    result = distill(images, labels, 'kip', 1, SMALL)
    paths.append(tmp_path / name)
    kip_format.save(str(paths[-1]), result.images, result.labels)
  assert paths[0].read_bytes() == paths[1].read_bytes()
  other = distill(images, labels, 'kip', 1, DistillSettings(steps=3, target_batch=50,
                                                            num_networks=1, seed=4))
  assert not np.array_equal(other.images, kip_format.load(str(paths[0])).images)


def _cli(argv):
  parser = argparse.ArgumentParser(prog='tfx-distill')
  standalone.register(parser.add_subparsers(dest='command'))
  args = parser.parse_args(argv)
  return args.func(args)


def test_cli_writes_a_valid_file_and_resume_equals_a_straight_run(tmp_path, capsys):
  images, labels = _digits(per_class=15)
  source = tmp_path / 'digits.npz'
  np.savez(source, x=(images * 255).astype(np.uint8), y=labels)
  common = ['distill', '--data', f'npz:{source}', '--method', 'kip', '--ipc', '1',
            '--target-batch', '50', '--num-networks', '1', '--seed', '2']
  straight, resumed = tmp_path / 'straight.npz', tmp_path / 'resumed.npz'
  assert _cli(common + ['--steps', '4', '--out', str(straight)]) == 0
  assert 'step 4/4' in capsys.readouterr().err
  assert _cli(common + ['--steps', '2', '--out', str(resumed)]) == 0
  assert (tmp_path / 'resumed.npz.ckpt.npz').exists()
  assert _cli(common + ['--steps', '4', '--out', str(resumed), '--resume']) == 0
  assert straight.read_bytes() == resumed.read_bytes()
  loaded = kip_format.load(str(straight))
  assert loaded.images.shape == (10, 28, 28, 1)


def test_cli_reports_bad_input_in_one_line(tmp_path, capsys):
  out = str(tmp_path / 'x.npz')
  assert _cli(['distill', '--data', f'npz:{tmp_path}/absent.npz', '--method', 'random',
               '--ipc', '1', '--out', out]) == 2
  assert 'absent.npz: file not found' in capsys.readouterr().err
  assert _cli(['distill', '--data', 'sample', '--method', 'kip', '--ipc', '1',
               '--out', out, '--resume']) == 2
  assert 'no checkpoint' in capsys.readouterr().err
  with pytest.raises(DataError):
    standalone.load_checkpoint(out + '.ckpt.npz', 'key')
