"""Pushing a model directory into a serving directory: every push gets a version
directory of its own, which appears complete or not at all. (The SetPublisher pushes a
distilled set's directory the same way, into the version of its pushed model.)

Versions are integers, as TensorFlow Serving loads numeric subdirectories only: the
current Unix time in seconds (as TFX's Pusher names them), or, when that is taken (two
pushes in the same second), the next number above every existing version.

- Local filesystems: the model is copied into a hidden temporary directory beside the
  versions (`.incoming-<host>-<pid>-<random>`) and renamed into place. rename(2) is
  atomic and refuses a target that exists with files in it, so the rename itself claims
  the version: a concurrent push that took it first makes this one try the next number.
  A push that fails removes its temporary directory; one that was killed leaves it, and
  the next push on the same host removes it once its process is gone.
- Other filesystems (gs://) have no atomic rename of a directory: the files are copied
  into the version directory with `saved_model.pb` last, as TFX does, so that TensorFlow
  Serving (which waits for that file) never loads a partial model; a version is checked
  to be free before it is used, which is not atomic.
"""

import errno
import os
import re
import shutil
import socket
import time
import uuid
from typing import List, Optional, Tuple

import tensorflow as tf
from tfx.utils import io_utils

INCOMING_PREFIX = '.incoming-'
SAVED_MODEL_FILE = 'saved_model.pb'


def is_local(path: str) -> bool:
  return '://' not in path


def versions(base: str) -> List[int]:
  """The numeric version directories under `base`."""
  if not tf.io.gfile.isdir(base):
    return []
  return sorted(int(name.rstrip('/')) for name in tf.io.gfile.listdir(base)
                if name.rstrip('/').isdigit())


def first_version(base: str, now: float) -> int:
  """The version a new push tries first: now, or above every existing version."""
  existing = versions(base)
  return max(int(now), existing[-1] + 1 if existing else 0)


def push_model(model_dir: str, base: str) -> Tuple[str, str]:
  """Copies `model_dir` to a new version under `base`; returns (version, its path)."""
  return push_directory(model_dir, base)


def push_directory(source: str, base: str, version: Optional[int] = None,
                   last_file: str = SAVED_MODEL_FILE) -> Tuple[str, str]:
  """Copies the directory `source` to a version under `base`: the first free one (see
  the module docstring), or exactly `version` (FileExistsError if it is taken). On
  filesystems without an atomic rename, `last_file` is copied last. Returns (version,
  its path)."""
  if is_local(base):
    return _push_local(source, base, version)
  return _push_remote(source, base, version, last_file)


def _push_local(source: str, base: str, fixed: Optional[int]) -> Tuple[str, str]:
  os.makedirs(base, exist_ok=True)
  remove_stale_incoming(base)
  incoming = os.path.join(
      base, f'{INCOMING_PREFIX}{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex}')
  try:
    shutil.copytree(source, incoming)
    version = first_version(base, time.time()) if fixed is None else fixed
    while True:
      target = os.path.join(base, str(version))
      try:
        os.rename(incoming, target)
        return str(version), target
      except OSError as e:
        if e.errno not in (errno.EEXIST, errno.ENOTEMPTY):
          raise
        if fixed is not None:
          raise FileExistsError(errno.EEXIST, 'version taken', target) from None
        version += 1
  finally:
    if os.path.exists(incoming):
      shutil.rmtree(incoming, ignore_errors=True)


def _push_remote(source: str, base: str, fixed: Optional[int],
                 last_file: str) -> Tuple[str, str]:
  version = first_version(base, time.time()) if fixed is None else fixed
  target = os.path.join(base, str(version))
  while tf.io.gfile.exists(target):
    if fixed is not None:
      raise FileExistsError(errno.EEXIST, 'version taken', target)
    version += 1
    target = os.path.join(base, str(version))
  io_utils.copy_dir(source, target, deny_regex_patterns=[re.escape(last_file)])
  last = os.path.join(source, last_file)
  if tf.io.gfile.exists(last):
    io_utils.copy_file(last, os.path.join(target, last_file))
  return str(version), target


def _process_is_gone(pid: int) -> bool:
  try:
    os.kill(pid, 0)
  except ProcessLookupError:
    return True
  except PermissionError:
    return False
  return False


def remove_stale_incoming(base: str) -> None:
  """Removes the temporary directories of killed pushes made on this host."""
  host = socket.gethostname()
  for name in os.listdir(base):
    if not name.startswith(f'{INCOMING_PREFIX}{host}-'):
      continue
    pid = name[len(INCOMING_PREFIX) + len(host) + 1:].split('-', 1)[0]
    if pid.isdigit() and int(pid) != os.getpid() and _process_is_gone(int(pid)):
      shutil.rmtree(os.path.join(base, name), ignore_errors=True)
