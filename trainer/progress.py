"""Training progress on the terminal during `tfx-distill run`: one line on standard
error per epoch (full set) or per chunk of steps (small set), with the loss, the valid
loss when there is one, the elapsed time and an ETA (contracts/progress.py), labelled
with the run's label (a pipeline Trainer's: its node id, components/training)."""

import sys
import time
from typing import IO, Optional

import keras

from tfx_distill.contracts.progress import progress_text
from tfx_distill.trainer.recipe import Plan

SHOWN = ('loss', 'accuracy', 'val_loss', 'val_accuracy')


def run_label(label: str) -> str:
  """The run's label ('Trainer_kip_1_s0' for a pipeline Trainer's), else 'trainer'."""
  return label or 'trainer'


class TrainingProgress(keras.callbacks.Callback):
  """Writes a progress line at the end of each Keras epoch (or chunk of steps)."""

  def __init__(self, plan: Plan, label: str, stream: Optional[IO[str]] = None):
    super().__init__()
    self.plan, self.label, self.stream = plan, label, stream
    self.start, self.steps = time.perf_counter(), 0

  def on_train_begin(self, logs=None):
    self.start, self.steps = time.perf_counter(), 0

  def on_train_batch_end(self, batch, logs=None):
    self.steps += 1

  def on_epoch_end(self, epoch, logs=None):
    logs = logs or {}
    metrics = {name: float(logs[name]) for name in SHOWN if name in logs}
    elapsed = time.perf_counter() - self.start
    if self.plan.repeat:  # a small set: steps
      line = progress_text(self.steps, self.plan.steps, 'step', elapsed, metrics,
                           self.label)
    else:
      line = progress_text(epoch + 1, self.plan.epochs, 'epoch', elapsed, metrics,
                           self.label, eta_is_bound=self.plan.patience > 0)
    print(line, file=self.stream or sys.stderr, flush=True)
