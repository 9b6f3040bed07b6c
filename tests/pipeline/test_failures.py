"""How a run fails: every mistake that is the user's ends with one line
`tfx-distill: error: ...` and status 2, without a traceback, and whatever can be checked
before the pipeline starts fails before it starts (no ML Metadata store is made); a bug
keeps its traceback.

The command line runs in this process (`cli.main`), as in tests/e2e. Cases: `--strategy
tpu`, which is no choice (no TPU: kubeflow/README.md); a missing `--kip-set` or `--data` file; a gs:// path without Google
Cloud credentials (none configured: no GOOGLE_APPLICATION_CREDENTIALS, an empty gcloud
config dir, no metadata server; offline this fails at once, online the bucket is not
found); a tfds dataset missing while offline (downloads off: refused before the start;
downloads on: the download fails inside Ingest, simulated by a download manager that
raises the ConnectionError an offline download raises); a read-only pipeline root; a
full one (a real tmpfs when this runs as root, which can mount one) and a full device
(/dev/full) met while writing.
"""

import contextlib
import errno
import os
import subprocess

import pytest
import requests
import tensorflow as tf

from tfx_distill.pipeline import cli, preflight
from tfx_distill.pipeline.cli.failures import user_message
from tfx_distill.pipeline.local_runner import local_paths
from tests.run_history import runs


def run(tmp_path, *args):
  root = str(tmp_path / 'root')
  return cli.main(['run', '--preset', 'smoke', '--candidates', 'random:1',
                   '--pipeline-root', root, *args]), root


def one_line_error(capsys):
  """The run's error line; asserts there is exactly one and no traceback."""
  err = capsys.readouterr().err
  assert 'Traceback' not in err, err[-2000:]
  lines = [line for line in err.splitlines() if line.startswith('tfx-distill: error: ')]
  assert len(lines) == 1 and err.strip().splitlines()[-1] == lines[0], err[-2000:]
  return lines[0][len('tfx-distill: error: '):]


def nothing_ran(root):
  return not os.path.exists(local_paths(root).metadata_path)


def test_there_is_no_tpu_strategy(tmp_path, capsys):
  with pytest.raises(SystemExit) as exited:
    run(tmp_path, '--strategy', 'tpu')
  assert exited.value.code == 2
  assert capsys.readouterr().err.strip().splitlines()[-1].startswith(
      "tfx-distill run: error: argument --strategy: invalid choice: 'tpu'")
  assert nothing_ran(str(tmp_path / 'root'))


@pytest.mark.parametrize('flag', ['--kip-set', '--data'])
def test_a_missing_input_file_fails_before_the_start(tmp_path, capsys, flag):
  missing = tmp_path / 'absent.npz'
  status, root = run(tmp_path, flag, str(missing) if flag == '--kip-set' else f'npz:{missing}')
  assert status == 2
  assert one_line_error(capsys) == f'{missing}: file not found'
  assert nothing_ran(root)


def test_a_gs_path_without_credentials_fails_before_the_start(tmp_path, capsys,
                                                               monkeypatch):
  monkeypatch.delenv('GOOGLE_APPLICATION_CREDENTIALS', raising=False)
  monkeypatch.setenv('CLOUDSDK_CONFIG', str(tmp_path / 'gcloud'))  # no gcloud login
  monkeypatch.setenv('NO_GCE_CHECK', 'True')  # no metadata server
  path = 'gs://tfx-distill-test-no-such-bucket-0b9c/train.csv'
  status, root = run(tmp_path, '--data', f'csv:{path}')
  assert status == 2
  message = one_line_error(capsys)
  assert message.startswith(f'{path}: ')
  assert ('no Google Cloud credentials found' in message) or message.endswith(
      'file not found'), message
  assert nothing_ran(root)


def test_tfds_data_missing_with_downloads_off_fails_before_the_start(tmp_path, capsys):
  status, root = run(tmp_path, '--data', 'tfds:mnist', '--tfds-data-dir',
                     str(tmp_path / 'tfds'), '--no-tfds-download')
  assert status == 2
  assert one_line_error(capsys) == (
      f'tfds:mnist: not prepared in {tmp_path / "tfds" / "mnist" / "3.0.1"} and '
      'downloads are off (--no-tfds-download)')
  assert nothing_ran(root)


def test_tfds_download_failing_offline_inside_ingest_is_one_line(tmp_path, capsys,
                                                                  monkeypatch):
  import tensorflow_datasets as tfds  # pylint: disable=g-import-not-at-top

  def offline(*_, **__):
    raise requests.exceptions.ConnectionError(
        "HTTPSConnectionPool(host='storage.googleapis.com', port=443): Max retries "
        'exceeded with url: /cvdf-datasets/mnist/train-images-idx3-ubyte.gz\n(more)')

  monkeypatch.setattr(tfds.download.DownloadManager, 'download_and_extract', offline)
  status, root = run(tmp_path, '--data', 'tfds:mnist', '--tfds-data-dir',
                     str(tmp_path / 'tfds'))
  assert status == 2
  message = one_line_error(capsys)
  assert message.startswith('tfds:mnist: not prepared in ') and (
      'the download failed: HTTPSConnectionPool' in message), message
  assert runs(local_paths(root).metadata_path)[-1]['Ingest'].state == 'FAILED'


@contextlib.contextmanager
def tmpfs(directory, options):
  """A tmpfs mounted on `directory` for the block (root only; skips elsewhere)."""
  mounted = subprocess.run(['mount', '-t', 'tmpfs', '-o', options, 'tmpfs', str(directory)],
                           capture_output=True, text=True, check=False)
  if mounted.returncode != 0:
    pytest.skip(f'cannot mount a tmpfs here: {mounted.stderr.strip()}')
  try:
    yield directory
  finally:
    subprocess.run(['umount', str(directory)], check=True)


@pytest.fixture
def read_only_dir(tmp_path):
  """A directory this process cannot write: chmod for a normal user; for root (whom
  modes do not stop) a read-only tmpfs."""
  directory = tmp_path / 'read_only'
  directory.mkdir()
  if os.geteuid() != 0:
    directory.chmod(0o555)
    yield directory
    directory.chmod(0o755)
    return
  with tmpfs(directory, 'ro,size=1m'):
    yield directory


def test_a_read_only_pipeline_root_fails_before_the_start(read_only_dir, capsys):
  root = str(read_only_dir / 'run')
  assert cli.main(['run', '--preset', 'smoke', '--pipeline-root', root]) == 2
  message = one_line_error(capsys)
  assert message.startswith(f'{root}: the pipeline root cannot be written (')
  assert message.endswith('; use another --pipeline-root')


@pytest.fixture
def full_dir(tmp_path):
  """A 4 MB tmpfs with 3 MB used."""
  directory = tmp_path / 'small'
  directory.mkdir()
  with tmpfs(directory, 'size=4m'):
    (directory / 'filler').write_bytes(b'\0' * (3 * 2**20))
    yield directory


def test_a_full_pipeline_root_fails_before_the_start(full_dir, capsys):
  root = str(full_dir / 'run')
  assert cli.main(['run', '--preset', 'smoke', '--pipeline-root', root]) == 2
  message = one_line_error(capsys)
  assert message.startswith(f'{root}: only 1 MB free on its filesystem, a run needs at '
                            f'least {preflight.MIN_FREE_BYTES // 2**20} MB')
  assert nothing_ran(root)


def test_a_full_device_met_while_writing_is_the_users_to_fix():
  """What a component meets when the disk fills during the run: the OSError of a
  Python write and the TensorFlow error of a tf.io write, both to /dev/full."""
  with pytest.raises(OSError) as python_error:
    with open('/dev/full', 'wb') as f:
      f.write(b'x')
  assert python_error.value.errno == errno.ENOSPC
  assert user_message(python_error.value) == (  # a write's error names no file
      'No space left on device; free some space or use another --pipeline-root')
  assert user_message(OSError(errno.EROFS, 'Read-only file system', '/x')) == (
      '/x: Read-only file system; check the permissions or use another --pipeline-root')
  with pytest.raises(tf.errors.OpError) as tf_error:
    with tf.io.gfile.GFile('/dev/full', 'wb') as f:
      f.write(b'x' * 2**20)
  wrapped = RuntimeError('Execution 7 failed')
  wrapped.__cause__ = tf_error.value  # as a component's error may arrive
  assert user_message(wrapped).endswith(
      'No space left on device; free some space or use another --pipeline-root')


def test_a_bug_keeps_its_traceback(tmp_path, monkeypatch):
  from tfx_distill.pipeline import local_runner  # pylint: disable=g-import-not-at-top

  def buggy(*_, **__):
    raise ValueError('an unexpected value in our code')

  monkeypatch.setattr(local_runner, 'run_local', buggy)
  with pytest.raises(ValueError, match='an unexpected value in our code'):
    run(tmp_path)
  assert user_message(FileNotFoundError(2, 'No such file', 'x')) is None


def test_report_without_a_run_is_one_line(tmp_path, capsys):
  assert cli.main(['report', '--pipeline-root', str(tmp_path)]) == 2
  assert one_line_error(capsys) == (
      f'{tmp_path / "metadata.sqlite"}: no ML Metadata store (run the pipeline first)')
