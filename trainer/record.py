"""The training record saved beside each model run, and its TensorBoard scalars.

`<model_run_dir>/training.json` (the ModelRun artifact's URI, `fn_args.model_run_dir`)
holds the fit time and everything needed to read it. TFX's generic Trainer cannot set
custom properties from run_fn; a later component or the pipeline's report reads the
fit time with `fit_seconds(model_run.uri)` and can record it as a custom property.
TensorBoard logs are written after `fit` from the history, so logging costs nothing
inside the timed part: `tensorboard --logdir <model_run_dir>`.
"""

import json
import os
from typing import Dict, List

import tensorflow as tf

TRAINING_JSON = 'training.json'
TENSORBOARD_RUN = 'train'


def write_record(model_run_dir: str, record: dict) -> str:
  """Writes the record as JSON; returns its path."""
  tf.io.gfile.makedirs(model_run_dir)
  path = os.path.join(model_run_dir, TRAINING_JSON)
  with tf.io.gfile.GFile(path, 'w') as handle:
    handle.write(json.dumps(record, indent=1, sort_keys=True))
  return path


def read_record(model_run_dir: str) -> dict:
  with tf.io.gfile.GFile(os.path.join(model_run_dir, TRAINING_JSON)) as handle:
    return json.loads(handle.read())


def fit_seconds(model_run_dir: str) -> float:
  """Seconds `fit` took in the run whose ModelRun artifact is at model_run_dir."""
  return float(read_record(model_run_dir)['fit_seconds'])


def write_tensorboard(model_run_dir: str, history: Dict[str, List[float]],
                      epoch_seconds: List[float]) -> None:
  """One scalar per epoch for every metric in the history, and the epoch's seconds."""
  writer = tf.summary.create_file_writer(os.path.join(model_run_dir, TENSORBOARD_RUN))
  with writer.as_default():
    for name, values in {**history, 'seconds': epoch_seconds}.items():
      for epoch, value in enumerate(values):
        tf.summary.scalar(f'epoch_{name}', value, step=epoch)
  writer.close()
