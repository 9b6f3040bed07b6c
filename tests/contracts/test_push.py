"""The Pusher's pushes: a version directory appears complete or not at all, and pushes in
the same second (one after the other, or at once) never share or mis-record one."""

import os
import shutil
import subprocess
import sys
import threading
import time

import pytest
from tfx.proto import pusher_pb2
from tfx.types import standard_artifacts
from tfx.utils import proto_utils

from tfx_distill.contracts import push
from tfx_distill.components.pusher.executor import Executor

NOW = 1_700_000_000.0


def write_model(directory, tag: str):
  """A model export whose every file says which model it is."""
  serving = directory / 'Format-Serving'
  (serving / 'variables').mkdir(parents=True)
  (serving / 'saved_model.pb').write_text(f'graph of {tag}')
  (serving / 'variables' / 'variables.data-00000-of-00001').write_text(f'weights of {tag}')
  (serving / 'variables' / 'variables.index').write_text(f'index of {tag}')
  return serving


def tree(directory):
  return {os.path.relpath(os.path.join(parent, name), directory):
          open(os.path.join(parent, name)).read()
          for parent, _, files in os.walk(directory) for name in files}


def push_with_executor(tmp_path, tag, base):
  model = standard_artifacts.Model()
  model.uri = str(tmp_path / f'model_{tag}')
  write_model(tmp_path / f'model_{tag}', tag)
  blessing = standard_artifacts.ModelBlessing()
  blessing.uri = str(tmp_path / f'blessing_{tag}')
  blessing.set_int_custom_property('blessed', 1)
  pushed = standard_artifacts.PushedModel()
  pushed.uri = str(tmp_path / f'pushed_{tag}')
  destination = pusher_pb2.PushDestination(
      filesystem=pusher_pb2.PushDestination.Filesystem(base_directory=str(base)))
  Executor().Do({'model': [model], 'model_blessing': [blessing]},
                {'pushed_model': [pushed]},
                {'push_destination': proto_utils.proto_to_json(destination)})
  return pushed


def test_two_pushes_in_the_same_second_get_their_own_versions(tmp_path, monkeypatch):
  monkeypatch.setattr(time, 'time', lambda: NOW)
  base = tmp_path / 'serving' / 'full'
  first = push_with_executor(tmp_path, 'a', base)
  second = push_with_executor(tmp_path, 'b', base)
  versions = [p.get_string_custom_property('pushed_version') for p in (first, second)]
  assert versions == [str(int(NOW)), str(int(NOW) + 1)]
  for pushed, tag, version in zip((first, second), 'ab', versions):
    assert pushed.get_int_custom_property('pushed') == 1
    destination = pushed.get_string_custom_property('pushed_destination')
    assert destination == str(base / version)
    assert tree(destination) == tree(tmp_path / f'model_{tag}' / 'Format-Serving')
  assert sorted(os.listdir(base)) == sorted(versions)


def test_pushes_at_once_never_share_a_version(tmp_path, monkeypatch):
  monkeypatch.setattr(time, 'time', lambda: NOW)
  base = str(tmp_path / 'serving')
  models = [write_model(tmp_path / f'model_{i}', str(i)) for i in range(4)]
  start, results = threading.Barrier(len(models)), {}

  def push_one(i):
    start.wait()
    results[i] = push.push_model(str(models[i]), base)

  threads = [threading.Thread(target=push_one, args=(i,)) for i in range(len(models))]
  for thread in threads:
    thread.start()
  for thread in threads:
    thread.join(timeout=120)
  assert sorted(v for v, _ in results.values()) == [str(int(NOW) + i) for i in range(4)]
  for i, (version, destination) in results.items():
    assert destination == os.path.join(base, version)
    assert tree(destination) == tree(models[i])
  assert sorted(os.listdir(base)) == sorted(v for v, _ in results.values())


def test_an_interrupted_push_leaves_no_version(tmp_path, monkeypatch):
  base = str(tmp_path / 'serving')
  model = write_model(tmp_path / 'model', 'm')
  copied, real_copytree = [], shutil.copytree

  def copy_then_fail(src, dst, **_):
    copied.append(dst)
    if len(copied) == 2:
      raise OSError('interrupted half-way')
    return shutil.copy2(src, dst)

  monkeypatch.setattr(shutil, 'copytree', lambda src, dst, *_, **__: real_copytree(
      src, dst, copy_function=copy_then_fail))
  with pytest.raises(OSError, match='interrupted half-way'):
    push.push_model(str(model), base)
  assert copied and os.listdir(base) == []  # nothing half-written, visible or not


def test_a_killed_push_is_invisible_and_cleaned_by_the_next(tmp_path):
  base = tmp_path / 'serving'
  model = write_model(tmp_path / 'model', 'm')
  gone = subprocess.run([sys.executable, '-c', 'import os; print(os.getpid())'],
                        capture_output=True, text=True, check=True)
  stale = base / f'{push.INCOMING_PREFIX}{push.socket.gethostname()}-{gone.stdout.strip()}-x'
  stale.mkdir(parents=True)
  (stale / 'saved_model.pb').write_text('half a model')
  assert push.versions(str(base)) == []
  version, destination = push.push_model(str(model), str(base))
  assert os.listdir(base) == [version]
  assert tree(destination) == tree(model)
