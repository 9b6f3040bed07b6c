"""What several test modules share, made once per test session: the first test process
to ask makes it (under a lock), the others (pytest-xdist's workers) wait for it and
reuse it. A failure is recorded, so that the others fail with it instead of retrying.

- `image`: the container image laid out here (tests/kubeflow/image.py);
- `smoke_run`: the `smoke` preset run by the command line on LocalDagRunner, as a user
  runs it, with a published KIP set imported (tests/e2e reads it end to end, and the
  image's run of the compiled pipeline is compared with it)."""

import dataclasses
import fcntl
import json
import os
import pathlib
import subprocess
import sys
import traceback
from typing import Callable, NamedTuple

import numpy as np

from tests.kubeflow import image as image_lib

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = [sys.executable, '-m', 'tfx_distill.pipeline.cli']
KIP_SET_NAME = 'ConvNet_ssize10_nozca_l_noaug_ckpt1000.npz'
# A 0.05 limit on the drop below the full model: the full model (no baseline yet) is
# blessed, the one-image-per-class candidate (far below it) must not be.
SMOKE_MAX_DROP = 0.05
SMOKE_TRANSFER = 'mlp'  # the smoke run's sets are also trained on the MLP (Transfer_*)
SMOKE_SMALL_SEEDS = '2'  # every small set trained twice in its Trainer (--small-seeds)


def once(tmp_path_factory, name: str, make: Callable[[pathlib.Path], None]) -> pathlib.Path:
  """The directory `name`, made by make(directory) once per test session."""
  base = tmp_path_factory.getbasetemp()
  if os.environ.get('PYTEST_XDIST_WORKER'):
    base = base.parent  # the session's, above each worker's own
  directory = base / name
  with open(base / f'{name}.lock', 'w', encoding='utf-8') as lock:
    fcntl.flock(lock, fcntl.LOCK_EX)
    failed = base / f'{name}.failed'
    if failed.exists():
      raise RuntimeError(f'{name} failed in another test process:\n{failed.read_text()}')
    if not (directory / '.done').exists():
      directory.mkdir(parents=True, exist_ok=True)
      try:
        make(directory)
      except BaseException:
        failed.write_text(traceback.format_exc()[-6000:])
        raise
      (directory / '.done').touch()
  return directory


def image(tmp_path_factory) -> image_lib.Image:
  def make(directory):
    built = image_lib.build(str(directory))
    (directory / 'image.json').write_text(json.dumps(dataclasses.asdict(built)))
  directory = once(tmp_path_factory, 'image', make)
  return image_lib.Image(**json.loads((directory / 'image.json').read_text()))


def write_published_kip_set(path: str) -> np.ndarray:
  """A set in the published KIP format: 10 real digits, standardised, NHWC, with
  'learned' (perturbed) labels; returns the labels."""
  from tfx_distill.contracts import kip_format  # pylint: disable=g-import-not-at-top
  from tfx_distill.contracts.example_format import plain_label_vectors, standardise  # pylint: disable=g-import-not-at-top
  from tfx_distill.contracts.sources import load_source  # pylint: disable=g-import-not-at-top
  data = load_source('sample')
  idx = [int(np.flatnonzero(data.labels == c)[0]) for c in range(10)]
  labels = plain_label_vectors(data.labels[idx]) + np.random.default_rng(0).normal(
      0, 0.05, (10, 10)).astype(np.float32)
  kip_format.save(str(path), standardise(data.images[idx])[..., None], labels)
  return labels


class Finished(NamedTuple):
  returncode: int
  stdout: str
  stderr: str


class SmokeRun(NamedTuple):
  root: str  # the pipeline root (read it; copy it before running again on it)
  result: Finished  # what the command printed
  kip_set: str  # the published KIP set it imported


def smoke_command(root: str, kip_set: str):
  """The smoke run's command line."""
  return CLI + ['run', '--preset', 'smoke', '--pipeline-root', root,
                '--max-drop', str(SMOKE_MAX_DROP), '--kip-set', kip_set,
                '--architectures', SMOKE_TRANSFER, '--small-seeds', SMOKE_SMALL_SEEDS]


def smoke_run(tmp_path_factory) -> SmokeRun:
  def make(directory):
    kip_set = str(directory / KIP_SET_NAME)
    write_published_kip_set(kip_set)
    result = subprocess.run(
        smoke_command(str(directory / 'root'), kip_set), capture_output=True, text=True,
        timeout=1200, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL='0'),  # as talkative
        cwd=str(directory))  # as TensorFlow can be: tests/pipeline/test_terminal.py
    (directory / 'result.json').write_text(json.dumps(
        Finished(result.returncode, result.stdout, result.stderr)._asdict()))
    assert result.returncode == 0, result.stderr[-3000:]
  directory = once(tmp_path_factory, 'smoke_run', make)
  result = Finished(**json.loads((directory / 'result.json').read_text()))
  return SmokeRun(str(directory / 'root'), result, str(directory / KIP_SET_NAME))
