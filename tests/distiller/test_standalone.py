"""`tfx-distill distill`: the standalone code path, its files, determinism and resume."""

import numpy as np

from components.distiller import kip_format
from components.example_format import unstandardise
from components.kip_import.importer import import_kip_set
from pipeline import cli

TINY = ['--data', 'sample', '--max-examples', '300', '--method', 'kip', '--ipc', '1',
        '--target-batch', '50', '--num-networks', '1', '--width', '16', '--seed', '3']


def distill(out, *extra):
  return cli.main(['distill', *TINY, '--out', str(out), *extra])


def test_same_settings_give_the_same_bytes_and_import_reads_them_back(tmp_path):
  assert distill(tmp_path / 'a.npz', '--steps', '3') == 0
  assert distill(tmp_path / 'b.npz', '--steps', '3') == 0
  assert (tmp_path / 'a.npz').read_bytes() == (tmp_path / 'b.npz').read_bytes()
  assert distill(tmp_path / 'c.npz', '--steps', '3', '--seed', '4') == 0
  assert (tmp_path / 'a.npz').read_bytes() != (tmp_path / 'c.npz').read_bytes()
  saved = kip_format.load(str(tmp_path / 'a.npz'))
  imported = import_kip_set(str(tmp_path / 'a.npz'))
  np.testing.assert_array_equal(imported.images, unstandardise(saved.images[..., 0]))
  np.testing.assert_array_equal(imported.label_vectors, saved.labels)
  np.testing.assert_array_equal(imported.labels, np.argmax(saved.labels, axis=1))


def test_resume_continues_to_the_same_result(tmp_path):
  assert distill(tmp_path / 'whole.npz', '--steps', '4') == 0
  assert distill(tmp_path / 'part.npz', '--steps', '2') == 0
  assert distill(tmp_path / 'part.npz', '--steps', '4', '--resume') == 0
  assert (tmp_path / 'whole.npz').read_bytes() == (tmp_path / 'part.npz').read_bytes()


def test_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys):
  np.savez(tmp_path / 'bad.npz', x=np.zeros((20, 28, 28)), y=np.arange(20) % 9)
  assert cli.main(['distill', '--data', f'npz:{tmp_path / "bad.npz"}', '--method', 'kip',
                   '--ipc', '1', '--out', str(tmp_path / 'out.npz')]) == 2
  err = capsys.readouterr().err.strip().splitlines()
  assert len(err) == 1 and 'bad.npz: no examples of class(es) [9]' in err[0]
  assert not (tmp_path / 'out.npz').exists()
