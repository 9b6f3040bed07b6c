"""The blessing's settings: the thresholds TFMA applies before anything is pushed."""

import dataclasses

from tfx_distill.contracts.errors import check
from tfx_distill.contracts.options import option


@dataclasses.dataclass(frozen=True)
class EvalSettings:
  """Blessing thresholds for TFMA (blessing/eval_config.py), as fractions: accuracy
  floors, the largest drops (a candidate below this run's full model, a full model
  below the latest blessed one) and the largest expected calibration error."""
  full_min_accuracy: float = option(0.9, '--full-min-accuracy',
                                    "the full-data model's accuracy floor")
  candidate_min_accuracy: float = option(0.1, '--candidate-min-accuracy',
                                         "a candidate's accuracy floor")
  max_drop: float = option(0.5, '--max-drop',
                           'bless a candidate only if its accuracy is at most this far '
                           'below the full model (e.g. 0.02)')
  full_max_drop: float = option(0.0, '--full-max-drop',
                                'bless a full-data model only if its accuracy is at most '
                                'this far below the latest blessed full model (0: no drop)')
  max_ece: float = option(0.05, '--max-ece',
                          "bless a model only if its expected calibration error on the "
                          "eval split is at most this (1: no limit)")

  def validate(self) -> 'EvalSettings':
    for f in dataclasses.fields(self):
      value = getattr(self, f.name)
      check(0.0 <= value <= 1.0, f'eval.{f.name} must be in [0, 1], got {value}')
    return self
