"""TensorBoard scalars of a training run, written after `fit` from its history, so that
logging costs nothing inside the timed part: `tensorboard --logdir <model_run_dir>`."""

import os
from typing import Dict, List

import tensorflow as tf

TENSORBOARD_RUN = 'train'


def write_tensorboard(model_run_dir: str, history: Dict[str, List[float]],
                      epoch_seconds: List[float]) -> None:
  """One scalar per epoch for every metric in the history, and the epoch's seconds."""
  writer = tf.summary.create_file_writer(os.path.join(model_run_dir, TENSORBOARD_RUN))
  with writer.as_default():
    for name, values in {**history, 'seconds': epoch_seconds}.items():
      for epoch, value in enumerate(values):
        tf.summary.scalar(f'epoch_{name}', value, step=epoch)
  writer.close()
