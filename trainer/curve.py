"""The learning curve every Trainer records for the report: accuracy on the eval split
at fixed points of images processed (optimiser steps x batch), the same grid for every
training set, so that a small set's accuracy can be set against the full data's at
equal work (components/report/summary.py reads it).

For the report only: nothing selects, stops or blesses by it (early stopping and the
temperature use the valid split; blessing is TFMA's). Its cost (one forward pass over
the eval split per point) is kept out of the fit time, as validation is
(trainer/timing.py), and recorded on its own (`curve_seconds`).

The grid (contracts/learning_curve.py) is log-spaced and dense early. A point is
measured at the first optimiser step whose images processed reach it; the step's own
count is recorded beside the grid point (they differ by less than a batch), and the end
of training is always measured.
"""

import time
from typing import Callable, Dict, List, Optional

import keras
import numpy as np
import tensorflow as tf

from tfx_distill.contracts.learning_curve import grid, to_record

PREDICT_BATCH = 1000


def accuracy(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> float:
  """Top-1 accuracy of the model's outputs (softmax or MSE head: argmax either way),
  called batch by batch on this worker."""
  correct = 0
  for start in range(0, len(images), PREDICT_BATCH):
    outputs = model(images[start:start + PREDICT_BATCH], training=False)
    predicted = tf.argmax(outputs, axis=-1).numpy()
    correct += int(np.sum(predicted == labels[start:start + PREDICT_BATCH]))
  return correct / len(images)


class EvalCurve(keras.callbacks.Callback):
  """Measures accuracy on (images, labels) each time the images processed pass a grid
  point, and at the end of training. `images_processed(steps)` says how many images
  `steps` optimiser steps saw (trainer/recipe.py); `fit_seconds()` the fit time so far
  without validation or curve passes (trainer/timing.py EpochTimer); `exclude(wall,
  cpu)` takes a pass's time out of it."""

  def __init__(self, images: np.ndarray, labels: np.ndarray, last: int,
               images_processed: Callable[[int], int], fit_seconds: Callable[[], float],
               exclude: Callable[[float, float], None]):
    super().__init__()
    self.images, self.labels = images, np.asarray(labels)
    self.todo = grid(last)
    self.images_processed = images_processed
    self.fit_seconds, self.exclude = fit_seconds, exclude
    self.steps = 0
    self.points: List[Dict[str, float]] = []
    self.seconds = 0.0  # wall time of the curve's own passes

  def on_train_batch_end(self, batch, logs=None):
    self.steps += 1
    processed = self.images_processed(self.steps)
    if self.todo and processed >= self.todo[0]:
      point = self.todo[0]
      while self.todo and processed >= self.todo[0]:
        point = self.todo.pop(0)
      self._measure(point, processed)

  def on_train_end(self, logs=None):
    processed = self.images_processed(self.steps)
    if self.steps and (not self.points or self.points[-1]['images_processed'] < processed):
      self._measure(None, processed)

  def _measure(self, point: Optional[int], processed: int) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    value = accuracy(self.model, self.images, self.labels)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    self.exclude(wall, cpu)
    self.seconds += wall
    self.points.append({'point': point, 'images_processed': int(processed),
                        'steps': self.steps, 'fit_seconds': self.fit_seconds(),
                        'accuracy': value})

  def to_record(self) -> dict:
    """training.json's `eval_curve`."""
    return to_record(self.points, len(self.images), self.seconds)
