"""Strategies: choice by name here; mirrored runs in a subprocess. Multi-worker training
runs through the Trainer executor, as Vertex runs it: tests/trainer/test_vertex_replicas.py."""

import json
import os
import subprocess
import sys

import pytest
import tensorflow as tf

from tfx_distill.contracts import model_format
from tfx_distill.trainer import strategy as strategy_lib

from tests.trainer.conftest import SCHEMA_DIR, train_pattern

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TIMEOUT = 240


def run_workers(specs_and_envs):
  """Starts one `tests.trainer.worker` per (spec, extra env) and waits for all."""
  processes = []
  for spec, extra_env in specs_and_envs:
    env = {key: value for key, value in os.environ.items() if key != 'TF_CONFIG'}
    env.update({'TF_USE_LEGACY_KERAS': '0', 'TF_CPP_MIN_LOG_LEVEL': '2', **extra_env})
    processes.append(subprocess.Popen(
        [sys.executable, '-m', 'tests.trainer.worker', json.dumps(spec)], cwd=REPO,
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
  outputs = []
  try:
    for process in processes:
      outputs.append(process.communicate(timeout=TIMEOUT)[0])
  finally:
    for process in processes:
      if process.poll() is None:
        process.kill()
  for process, output in zip(processes, outputs):
    assert process.returncode == 0, output[-3000:]


def spec(tmp_path, uri, strategy, **extra):
  return {'train_files': [train_pattern(uri)],
          'eval_files': [train_pattern(uri, 'valid')],
          'schema_path': os.path.join(SCHEMA_DIR, 'schema.pbtxt'),
          'serving_model_dir': str(tmp_path / 'model' / 'Format-Serving'),
          'model_run_dir': str(tmp_path / 'model_run'),
          'custom_config': {'epochs': 2, 'patience': 1, 'batch_size': 8,
                            'strategy': strategy, 'width': 8, 'seed': 1, 'verbose': 0},
          **extra}


def test_auto_default_and_errors_here():
  assert strategy_lib.choose_strategy('auto') is tf.distribute.get_strategy()
  assert strategy_lib.choose_strategy('default').num_replicas_in_sync == 1
  assert strategy_lib.is_chief(strategy_lib.choose_strategy('default'))
  assert strategy_lib.choose_strategy('one_device').num_replicas_in_sync == 1
  for unknown in ('horovod', 'tpu'):  # no TPU strategy (kubeflow/README.md)
    with pytest.raises(ValueError, match='strategy must be one of'):
      strategy_lib.choose_strategy(unknown)
  os.environ.pop('TF_CONFIG', None)
  with pytest.raises(ValueError, match='TF_CONFIG'):
    strategy_lib.choose_strategy('multi_worker')


@pytest.mark.parametrize('cluster, task, chief', [
    ({'chief': ['a:1'], 'worker': ['b:1']}, {'type': 'chief', 'index': 0}, True),
    ({'chief': ['a:1'], 'worker': ['b:1']}, {'type': 'worker', 'index': 0}, False),
    ({'master': ['a:1'], 'worker': ['b:1']}, {'type': 'worker', 'index': 0}, False),
    ({'worker': ['a:1', 'b:1']}, {'type': 'worker', 'index': 0}, True),
    ({'worker': ['a:1', 'b:1']}, {'type': 'worker', 'index': 1}, False),
    ({'chief': ['a:1'], 'worker': ['b:1'], 'evaluator': ['c:1']},
     {'type': 'evaluator', 'index': 0}, False),
    ({}, {'type': 'worker', 'index': 3}, True),  # no cluster: a single process
])
def test_which_task_writes_the_model(cluster, task, chief):
  # Vertex's TF_CONFIG: pool 0 is `chief`, pool 1 `worker` (tests/trainer/test_vertex_replicas.py).
  tf_config = json.dumps({'cluster': cluster, 'task': task, 'environment': 'cloud'})
  assert strategy_lib.chief_in_tf_config(tf_config) is chief
  assert strategy_lib.chief_in_tf_config(None) and strategy_lib.chief_in_tf_config('{}')


def test_global_batch_scales_with_replicas():
  class TwoReplicas:
    num_replicas_in_sync = 2
  assert strategy_lib.global_batch_size(250, TwoReplicas()) == 500
  assert strategy_lib.global_batch_size(250, TwoReplicas(), scale=False) == 250


def test_mirrored_over_two_logical_cpus(tmp_path, plain_examples):
  worker = spec(tmp_path, plain_examples, 'mirrored', logical_cpus=2)
  run_workers([(worker, {})])
  run = model_format.read_record(worker['model_run_dir'])
  assert run['strategy_class'] == 'MirroredStrategy' and run['replicas'] == 2
  assert run['global_batch_size'] == 16 and run['plan']['steps_per_epoch'] == 3
  assert run['optimizer_steps'] == 3 * run['epochs_run']
  assert run['early_stopping']['restored_best_weights']
  assert tf.io.gfile.exists(os.path.join(worker['serving_model_dir'], 'saved_model.pb'))
