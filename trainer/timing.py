"""Wall-clock and CPU time of `fit` and of each of its epochs.

CPU seconds (all threads of this process) are reported beside wall seconds because the
machines this runs on are often shared: contention stretches wall time, while CPU time
stays close to the work done.
"""

import time
from typing import List, NamedTuple

import keras


class FitTimes(NamedTuple):
  history: dict  # metric name -> one float per epoch
  seconds: float
  cpu_seconds: float
  epoch_seconds: List[float]
  epoch_cpu_seconds: List[float]


class EpochTimer(keras.callbacks.Callback):
  """Records the wall and CPU seconds each epoch of `fit` took."""

  def __init__(self):
    super().__init__()
    self.seconds = []
    self.cpu_seconds = []
    self._start = (0.0, 0.0)

  def on_epoch_begin(self, epoch, logs=None):
    self._start = (time.perf_counter(), time.process_time())

  def on_epoch_end(self, epoch, logs=None):
    self.seconds.append(time.perf_counter() - self._start[0])
    self.cpu_seconds.append(time.process_time() - self._start[1])


def timed_fit(model: keras.Model, dataset, epochs: int, verbose: int) -> FitTimes:
  """Runs `model.fit` alone (no validation) and times it. The first epoch includes
  tracing the training step."""
  timer = EpochTimer()
  start, cpu_start = time.perf_counter(), time.process_time()
  history = model.fit(dataset, epochs=epochs, callbacks=[timer], verbose=verbose)
  seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
  logs = {key: [float(value) for value in values]
          for key, values in history.history.items()}
  return FitTimes(logs, seconds, cpu_seconds, timer.seconds, timer.cpu_seconds)
