"""Class-balanced batches of pool images: the target batches of KIP, nfr and logreg,
and nfr's held-out images."""

from typing import Optional

import numpy as np

from tfx_distill.contracts.example_format import NUM_CLASSES


def class_balanced_batch(pool_classes: np.ndarray, size: int, rng: np.random.Generator,
                         candidates: Optional[np.ndarray] = None) -> np.ndarray:
  """Indices of about `size` pool images, the same number from every class, drawn from
  the pool indices `candidates` (default: the whole pool)."""
  per_class = max(1, size // NUM_CLASSES)
  picks = []
  for c in range(NUM_CLASSES):
    members = (np.flatnonzero(pool_classes == c) if candidates is None
               else candidates[pool_classes[candidates] == c])
    picks.append(rng.choice(members, min(per_class, len(members)), replace=False))
  return np.concatenate(picks)
