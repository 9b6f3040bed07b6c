"""The state of an nfr distillation (`nfr.run_nfr`): everything a run needs to continue
exactly, as plain numpy arrays, so that it can be checkpointed (`checkpoint.py`)."""

import dataclasses
from typing import Dict, List

import numpy as np

_LISTS = ('params', 'm_params', 'v_params')  # per pool model, a list of arrays


@dataclasses.dataclass
class NfrState:
  """The support and its Adam moments, the pool models (weights, Adam moments, Adam
  step count, updates since reset, resets), the best support so far and its score, and
  the time spent."""
  step: int
  images: np.ndarray  # (n, 28, 28, 1) pixel/255 space
  labels: np.ndarray  # (n, 10)
  classes: np.ndarray  # (n,)
  m_images: np.ndarray
  v_images: np.ndarray
  m_labels: np.ndarray
  v_labels: np.ndarray
  params: List[List[np.ndarray]]  # per model
  m_params: List[List[np.ndarray]]
  v_params: List[List[np.ndarray]]
  model_t: np.ndarray  # (P,) Adam steps since reset
  model_age: np.ndarray  # (P,) updates since reset
  model_generation: np.ndarray  # (P,) resets so far
  best_images: np.ndarray
  best_labels: np.ndarray
  best_score: float = -1.0
  best_step: int = -1
  elapsed_s: float = 0.0
  cpu_s: float = 0.0

  def to_arrays(self) -> Dict[str, np.ndarray]:
    """Flat dict of arrays (np.savez-able); model lists as 'params/MODEL/INDEX'."""
    out = {}
    for f in dataclasses.fields(self):
      value = getattr(self, f.name)
      if f.name in _LISTS:
        for j, model in enumerate(value):
          for k, array in enumerate(model):
            out[f'{f.name}/{j}/{k}'] = np.asarray(array)
      else:
        out[f.name] = np.asarray(value)
    return out

  @classmethod
  def from_arrays(cls, arrays: Dict[str, np.ndarray]) -> 'NfrState':
    values = {}
    for f in dataclasses.fields(cls):
      if f.name in _LISTS:
        keys = [k.split('/')[1:] for k in arrays if k.startswith(f.name + '/')]
        models = sorted({int(j) for j, _ in keys})
        values[f.name] = [
            [np.array(arrays[f'{f.name}/{j}/{k}'])
             for k in range(sum(1 for m, _ in keys if int(m) == j))]
            for j in models]
      else:
        value = np.array(arrays[f.name])
        values[f.name] = value.item() if value.ndim == 0 else value
    values['step'] = int(values['step'])
    values['best_step'] = int(values['best_step'])
    return cls(**values)
