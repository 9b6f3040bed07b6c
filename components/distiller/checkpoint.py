"""Checkpoints of a running distillation, so that a killed run continues where it
stopped: `tfx-distill distill --resume` keeps one beside its output file
(`FILE.npz.ckpt.npz`); the pipeline's Distiller keeps one in its checkpoint directory,
named by the fingerprint of its run (`execution_checkpoint`), resumes it in the next
execution and removes it when the distillation is done.

A checkpoint holds the state of a run of a method that keeps one (its `state` in the
table, `methods.py`: nfr's `nfr_state.NfrState`, KIP's `kip.KipState`; plain arrays)
and a fingerprint of everything that must match for it to be resumed: the data, the
method, the images per class, the architecture and every setting of the method except
`steps` and `time_budget_s` (so a finished run can be extended with more steps). Resuming gives the same result as an uninterrupted run with the same
settings, unless a time budget stopped it.
"""

import dataclasses
import hashlib
import io
import json
import posixpath
from typing import Any, Optional

import numpy as np
import tensorflow as tf

from tfx_distill.components.distiller.methods import METHODS
from tfx_distill.components.distiller.settings import MethodSettings
from tfx_distill.contracts.errors import DataError

SUFFIX = '.ckpt.npz'
State = Any  # the checkpoint state of a method (`Method.state_class()`)


def checkpoint_path(out: str) -> str:
  """Where the checkpoint of a run writing `out` lives."""
  return out + SUFFIX


def fingerprint(settings: MethodSettings, method: str, images_per_class: int,
                data: dict) -> str:
  """What must match for a checkpoint to be resumed; `settings` are the method's,
  `data` describes the pool."""
  values = dataclasses.asdict(settings)
  for key in ('steps', 'time_budget_s'):
    values.pop(key, None)
  values.update(data, method=method, ipc=images_per_class)
  return json.dumps(values, sort_keys=True)


def save_checkpoint(path: str, state: State, key: str) -> None:
  """Writes the state with its fingerprint, via a temporary file and a rename."""
  buffer = io.BytesIO()
  np.savez(buffer, fingerprint=np.asarray(key), **state.to_arrays())
  tf.io.gfile.makedirs(posixpath.dirname(path) or '.')
  with tf.io.gfile.GFile(path + '.tmp', 'wb') as f:
    f.write(buffer.getvalue())
  tf.io.gfile.rename(path + '.tmp', path, overwrite=True)


def load_checkpoint(path: str, key: str) -> State:
  """The state saved at `path` (of the method the fingerprint `key` names); DataError
  if there is none or it was made otherwise."""
  if not tf.io.gfile.exists(path):
    raise DataError(path, 'no checkpoint to resume from')
  with tf.io.gfile.GFile(path, 'rb') as f:
    arrays = dict(np.load(io.BytesIO(f.read()), allow_pickle=False))
  if str(arrays.pop('fingerprint')) != key:
    raise DataError(path, 'checkpoint was made with other settings; remove it or '
                    'rerun without --resume')
  return METHODS[json.loads(key)['method']].state_class().from_arrays(arrays)


class RunCheckpoint:
  """The checkpoint file of one run: `path`, valid for runs whose fingerprint is `key`."""

  def __init__(self, path: str, key: str):
    self.path, self.key = path, key

  def load(self) -> Optional[State]:
    """The saved state, or None when there is none (or it was made otherwise)."""
    if not tf.io.gfile.exists(self.path):
      return None
    try:
      return load_checkpoint(self.path, self.key)
    except DataError:
      return None

  def save(self, state: State) -> None:
    save_checkpoint(self.path, state, self.key)

  def remove(self) -> None:
    for path in (self.path, self.path + '.tmp'):
      if tf.io.gfile.exists(path):
        tf.io.gfile.remove(path)


def execution_checkpoint(directory: str, settings: MethodSettings, method: str,
                         images_per_class: int, pool: str,
                         architecture: str = 'seed_cnn') -> Optional[RunCheckpoint]:
  """The checkpoint of a pipeline execution distilling the pool at uri `pool`: in
  `directory`, named by the fingerprint of the pool, method, architecture and every
  setting (`steps` and the time budget too, so that a resumed run gives what an
  uninterrupted one with the same settings gives). None when there is no directory or
  the method keeps no checkpoints (only nfr and kip do)."""
  if not directory or not METHODS[method].state:
    return None
  key = fingerprint(settings, method, images_per_class,
                    {'pool': pool, 'steps': settings.steps,
                     'time_budget_s': settings.time_budget_s,
                     'architecture': architecture})
  name = hashlib.sha256(key.encode()).hexdigest()[:16] + SUFFIX
  return RunCheckpoint(posixpath.join(directory, name), key)
