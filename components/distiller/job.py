"""What every method's run function gets besides its settings (methods.py): the pool,
the size of the set, the Trainer's architecture and the caller's callbacks."""

import dataclasses
from typing import Any, Callable, Optional

import numpy as np

from tfx_distill.contracts.example_format import standardise

# A progress callback receives (step, loss, target-batch accuracy).
Progress = Optional[Callable[[int, float, float], None]]


@dataclasses.dataclass(frozen=True)
class Job:
  """One distillation: `images_per_class` images of every class from the pool
  `images01` (N, 28, 28) in pixel/255 space with integer `labels` (N,), for networks of
  `architecture` (nfr trains its pool with it). Methods that optimise call
  `progress(step, loss, accuracy)` every few steps; those with a checkpoint state
  (`Method.state`) call `checkpoint(state)` every few minutes and at the end, and
  continue `resume` (a state of their own) when given."""
  images01: np.ndarray
  labels: np.ndarray
  images_per_class: int
  architecture: str = 'seed_cnn'
  progress: Progress = None
  checkpoint: Optional[Callable[[Any], None]] = None
  resume: Optional[Any] = None

  def standardised(self) -> np.ndarray:
    """The pool in the standardised space of the published KIP sets, (N, 28, 28, 1)."""
    return standardise(self.images01)[..., None]
