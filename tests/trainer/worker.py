"""Runs tfx_distill.trainer.task.run_fn in a fresh process: `python -m tests.trainer.worker SPEC`.

SPEC is JSON: train_files, eval_files, schema_path, serving_model_dir, model_run_dir,
custom_config, and optionally logical_cpus (the CPU is split into that many logical
devices before TensorFlow initialises). TF_CONFIG comes from the environment. The
FnArgs fields are passed as a namespace, with a DataAccessor made of tfx_bsl's
TFExampleRecord as TFX makes it for tf.Example payloads: importing tfx would double
each process's start-up time (test_task.py runs run_fn with a real FnArgs).
"""

import json
import os
import sys
import types

os.environ.setdefault('TF_USE_LEGACY_KERAS', '0')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

import tensorflow as tf  # pylint: disable=wrong-import-position
from tfx_bsl.tfxio import tf_example_record  # pylint: disable=wrong-import-position

from tfx_distill.trainer.task import run_fn  # pylint: disable=wrong-import-position


def tf_dataset_factory(files, options, schema):
  return tf_example_record.TFExampleRecord(files, schema=schema).TensorFlowDataset(options)


def main(spec: dict) -> None:
  cpus = spec.get('logical_cpus', 0)
  if cpus:
    tf.config.set_logical_device_configuration(
        tf.config.list_physical_devices('CPU')[0],
        [tf.config.LogicalDeviceConfiguration()] * cpus)
  run_fn(types.SimpleNamespace(
      train_files=spec['train_files'], eval_files=spec['eval_files'],
      schema_path=spec['schema_path'],
      data_accessor=types.SimpleNamespace(tf_dataset_factory=tf_dataset_factory),
      serving_model_dir=spec['serving_model_dir'], model_run_dir=spec['model_run_dir'],
      custom_config=spec['custom_config'], hyperparameters=None))


if __name__ == '__main__':
  main(json.loads(sys.argv[1]))
