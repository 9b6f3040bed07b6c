"""One local run at a time per pipeline root: a lock file under the root.

`tfx-distill run` holds an exclusive `flock` on `ROOT/.tfx-distill.lock` for the whole
run, so a second run on the same root refuses at once (a UserError naming the run that
holds it) instead of sharing its SQLite ML Metadata and its outputs. The kernel releases
the lock when the holding process ends, however it ends (even SIGKILL), so a lock left
by a dead run is never in the way: the file stays, its lock does not. The file holds the
holder's pid, host, start time and command, for the message. (flock works on local
filesystems; on NFS it depends on the server.)
"""

import datetime
import fcntl
import json
import os
import socket
import sys
from typing import Optional

from tfx_distill.contracts.errors import UserError

LOCK_FILE = '.tfx-distill.lock'


class RootInUseError(UserError):
  """Another run holds the pipeline root."""


class RunLock:
  """`with RunLock(root):` holds the root's lock, or raises RootInUseError."""

  def __init__(self, root: str):
    self.path = os.path.join(root, LOCK_FILE)
    self.fd: Optional[int] = None

  def __enter__(self) -> 'RunLock':
    fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
      fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
      holder = _read_holder(fd)
      os.close(fd)
      raise RootInUseError(
          f'{os.path.dirname(self.path)} is in use by another tfx-distill run '
          f'({holder}); wait for it to end or use another --pipeline-root') from None
    os.ftruncate(fd, 0)
    os.write(fd, json.dumps({
        'pid': os.getpid(), 'host': socket.gethostname(),
        'started': datetime.datetime.now().isoformat(timespec='seconds'),
        'command': ' '.join(sys.argv)}).encode())
    os.fsync(fd)
    self.fd = fd
    return self

  def __exit__(self, *exc_info) -> None:
    if self.fd is not None:
      os.ftruncate(self.fd, 0)
      fcntl.flock(self.fd, fcntl.LOCK_UN)
      os.close(self.fd)
      self.fd = None


def _read_holder(fd: int) -> str:
  """'pid P on HOST since TIME' of the lock's holder, from the file."""
  try:
    holder = json.loads(os.pread(fd, 4096, 0).decode() or '{}')
  except (OSError, ValueError):
    holder = {}
  if not holder:
    return 'starting'
  return (f"pid {holder.get('pid')} on {holder.get('host')} since "
          f"{holder.get('started')}: {holder.get('command')}")
