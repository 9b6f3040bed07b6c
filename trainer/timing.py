"""Wall-clock time of `fit` and of each of its epochs."""

import time

import keras


class EpochTimer(keras.callbacks.Callback):
  """Records the seconds each epoch of `fit` took."""

  def __init__(self):
    super().__init__()
    self.seconds = []
    self._start = 0.0

  def on_epoch_begin(self, epoch, logs=None):
    self._start = time.perf_counter()

  def on_epoch_end(self, epoch, logs=None):
    self.seconds.append(time.perf_counter() - self._start)


def timed_fit(model: keras.Model, dataset, epochs: int, verbose: int):
  """Runs `model.fit` alone (no validation); returns (history dict, fit seconds,
  per-epoch seconds). The first epoch includes tracing the training step."""
  timer = EpochTimer()
  start = time.perf_counter()
  history = model.fit(dataset, epochs=epochs, callbacks=[timer], verbose=verbose)
  seconds = time.perf_counter() - start
  logs = {key: [float(value) for value in values]
          for key, values in history.history.items()}
  return logs, seconds, timer.seconds
