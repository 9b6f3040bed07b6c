"""Wall-clock and CPU time of `fit` and of each of its epochs, without validation.

CPU seconds (all threads of this process) are reported beside wall seconds because the
machines this runs on are often shared: contention stretches wall time, while CPU time
stays close to the work done. The validation passes that early stopping needs run
inside `fit`; their time is measured (`on_test_begin`/`on_test_end`, which Keras calls
for them) and taken out of the fit and epoch times, so that `fit_seconds` counts
training alone, as for a set trained without validation. The learning curve's passes
over the eval split (trainer/curve.py) are taken out the same way (`exclude`).
"""

import time
from typing import List, NamedTuple, Optional, Sequence

import keras


def _now():
  return time.perf_counter(), time.process_time()


class FitTimes(NamedTuple):
  history: dict  # metric name -> one float per epoch
  seconds: float  # fit without validation
  cpu_seconds: float
  validation_seconds: float  # validation and learning-curve passes
  epoch_seconds: List[float]  # each without its validation
  epoch_cpu_seconds: List[float]
  steps: int  # optimiser steps run


class EpochTimer(keras.callbacks.Callback):
  """Records the wall and CPU seconds of each epoch, its validation pass apart, and
  counts optimiser steps."""

  def __init__(self):
    super().__init__()
    self.seconds, self.cpu_seconds = [], []
    self.validation_seconds, self.validation_cpu_seconds = 0.0, 0.0
    self.steps = 0
    self._fit_start = self._epoch_start = self._test_start = (0.0, 0.0)
    self._epoch_validation = (0.0, 0.0)

  def on_train_begin(self, logs=None):
    self._fit_start = _now()

  def fit_seconds(self) -> float:
    """Wall seconds of fit so far, without validation or excluded passes."""
    return _now()[0] - self._fit_start[0] - self.validation_seconds

  def exclude(self, wall: float, cpu: float) -> None:
    """Takes a pass inside fit (not training) out of the fit and epoch times."""
    self._epoch_validation = (self._epoch_validation[0] + wall,
                              self._epoch_validation[1] + cpu)
    self.validation_seconds += wall
    self.validation_cpu_seconds += cpu

  def on_epoch_begin(self, epoch, logs=None):
    self._epoch_start = _now()
    self._epoch_validation = (0.0, 0.0)

  def on_train_batch_end(self, batch, logs=None):
    self.steps += 1

  def on_test_begin(self, logs=None):
    self._test_start = _now()

  def on_test_end(self, logs=None):
    self.exclude(*(end - start for end, start in zip(_now(), self._test_start)))

  def on_epoch_end(self, epoch, logs=None):
    wall, cpu = (end - start for end, start in zip(_now(), self._epoch_start))
    self.seconds.append(wall - self._epoch_validation[0])
    self.cpu_seconds.append(cpu - self._epoch_validation[1])


class StopAfterSteps(keras.callbacks.Callback):
  """Stops `fit` after a number of optimiser steps, in the middle of an epoch if need
  be."""

  def __init__(self, steps: int):
    super().__init__()
    self.limit, self.done = steps, 0

  def on_train_batch_end(self, batch, logs=None):
    self.done += 1
    if self.done >= self.limit:
      self.model.stop_training = True


def timed_fit(model: keras.Model, dataset, epochs: int, verbose: int,
              steps_per_epoch: Optional[int] = None, max_steps: Optional[int] = None,
              validation_data=None,
              callbacks: Sequence[keras.callbacks.Callback] = (),
              timer: Optional[EpochTimer] = None) -> FitTimes:
  """Runs `model.fit` and times it, validation apart. The first epoch includes tracing
  the training step. max_steps stops it after that many optimiser steps. `timer`: the
  EpochTimer to use (callbacks that exclude their own time from fit hold it)."""
  timer = timer or EpochTimer()
  extra = [StopAfterSteps(max_steps)] if max_steps else []
  start, cpu_start = _now()
  history = model.fit(dataset, epochs=epochs, steps_per_epoch=steps_per_epoch,
                      validation_data=validation_data,
                      callbacks=[timer, *extra, *callbacks], verbose=verbose)
  seconds, cpu_seconds = (end - begin for end, begin in zip(_now(), (start, cpu_start)))
  logs = {key: [float(value) for value in values]
          for key, values in history.history.items()}
  return FitTimes(logs, seconds - timer.validation_seconds,
                  cpu_seconds - timer.validation_cpu_seconds, timer.validation_seconds,
                  timer.seconds, timer.cpu_seconds, timer.steps)
