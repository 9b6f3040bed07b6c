"""One run per pipeline root at a time: a second run refuses at once, with a message
naming the first; the lock goes when its run ends, however it ends (SIGKILL too)."""

import os
import signal
import subprocess
import sys
import time

import pytest

from tfx_distill.pipeline import cli
from tfx_distill.pipeline.local_runner import local_paths
from tfx_distill.pipeline.run_lock import LOCK_FILE, RootInUseError, RunLock

HOLD = ('import sys, time\n'
        'from tfx_distill.pipeline.run_lock import RunLock\n'
        'with RunLock(sys.argv[1]):\n'
        '  print("locked", flush=True)\n'
        '  time.sleep(600)\n')


@pytest.fixture
def held(tmp_path):
  """A root whose lock another process holds; yields (root, that process)."""
  proc = subprocess.Popen([sys.executable, '-c', HOLD, str(tmp_path)],
                          stdout=subprocess.PIPE, text=True)
  assert proc.stdout.readline().strip() == 'locked'
  yield str(tmp_path), proc
  if proc.poll() is None:
    proc.kill()
  proc.wait(timeout=60)


def test_a_second_lock_is_refused_until_the_first_is_released(tmp_path):
  with RunLock(str(tmp_path)):
    with pytest.raises(RootInUseError, match=f'pid {os.getpid()} on '):
      with RunLock(str(tmp_path)):
        pass
  with RunLock(str(tmp_path)):
    assert (tmp_path / LOCK_FILE).exists()


def test_a_second_run_on_a_held_root_refuses_at_once(held, capsys):
  root, proc = held
  start = time.perf_counter()
  assert cli.main(['run', '--preset', 'smoke', '--pipeline-root', root]) == 2
  assert time.perf_counter() - start < 30
  err = capsys.readouterr().err.strip().splitlines()
  assert err[-1].startswith(f'tfx-distill: error: {root} is in use by another tfx-distill '
                            f'run (pid {proc.pid} on ')
  assert err[-1].endswith('; wait for it to end or use another --pipeline-root')
  assert not os.path.exists(local_paths(root).metadata_path)


def test_the_lock_of_a_killed_run_is_gone(held):
  root, proc = held
  with pytest.raises(RootInUseError):
    with RunLock(root):
      pass
  os.kill(proc.pid, signal.SIGKILL)
  proc.wait(timeout=60)
  assert os.path.exists(os.path.join(root, LOCK_FILE))  # the file stays, its lock not
  with RunLock(root):
    pass
