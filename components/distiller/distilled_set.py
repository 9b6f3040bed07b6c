"""What every distillation method returns: a DistilledSet in the published KIP format."""

import dataclasses
from typing import Dict

import numpy as np

from tfx_distill.contracts.example_format import plain_label_vectors, standardise

# The valid pixel range [0, 1] in the standardised space of the set's images.
PIXEL_LOW = float(np.float32(standardise(0.0)))
PIXEL_HIGH = float(np.float32(standardise(1.0)))


@dataclasses.dataclass
class DistilledSet:
  """A distilled set in the published KIP format: images (n, 28, 28, 1) float32 in
  standardised space, labels (n, 10) float32 regression targets (one-hot minus 1/10
  when not learned), class-ordered; `classes` (n,) int64 is the class of each image;
  `info` what the method reports (steps done, final loss, time, ...), recorded as
  float custom properties of the Distiller's artifacts."""
  images: np.ndarray
  labels: np.ndarray
  classes: np.ndarray
  info: Dict[str, float] = dataclasses.field(default_factory=dict)


def from_indices(images01: np.ndarray, labels: np.ndarray, idx: np.ndarray) -> DistilledSet:
  """The real images `idx` of a pool (N, 28, 28) in pixel/255 space, with plain labels."""
  return DistilledSet(
      images=standardise(images01[idx]).astype(np.float32)[..., None],
      labels=plain_label_vectors(labels[idx]), classes=labels[idx].astype(np.int64))
