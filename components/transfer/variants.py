"""The variants a set is also trained with: other architectures (contracts/
architectures.py, TRANSFER_ARCHITECTURES) with the small sets' recipe, and the run's
network with other recipes a user might choose. Each is a change of the small-set
TrainSettings (trainer/settings.py); nothing else changes (the steps, the batch, the
shifts, the evaluation on the eval split)."""

import dataclasses
from typing import Callable, Dict, Tuple

from tfx_distill.contracts.architectures import TRANSFER_ARCHITECTURES
from tfx_distill.contracts.errors import check
from tfx_distill.trainer.settings import TrainSettings


def _architecture(name: str) -> Callable[[TrainSettings], TrainSettings]:
  return lambda settings: dataclasses.replace(settings, architecture=name, width=None)


def _dropout(settings: TrainSettings) -> TrainSettings:
  return dataclasses.replace(settings, dropout=0.4)


def _constant_rate(rate: float) -> Callable[[TrainSettings], TrainSettings]:
  def change(settings: TrainSettings) -> TrainSettings:
    return dataclasses.replace(settings, small_set=dataclasses.replace(
        settings.small_set, learning_rate=rate, schedule='constant'))
  return change


# name -> (what it is, the change of the settings)
VARIANTS: Dict[str, Tuple[str, Callable[[TrainSettings], TrainSettings]]] = {
    **{name: (f'{name} network', _architecture(name)) for name in TRANSFER_ARCHITECTURES},
    'dropout': ('dropout 0.4', _dropout),
    'lr3e-4': ('constant learning rate 3e-4', _constant_rate(3e-4)),
    'lr3e-3': ('constant learning rate 3e-3', _constant_rate(3e-3)),
}
ALL = ','.join(VARIANTS)


def parse(text: str) -> Tuple[str, ...]:
  """'mlp,dropout' -> ('mlp', 'dropout'); ConfigError naming an unknown one."""
  names = tuple(name.strip() for name in text.split(',') if name.strip())
  unknown = [name for name in names if name not in VARIANTS]
  check(not unknown, f'unknown architectures or recipes {unknown}; choose from {ALL}')
  return names


def settings_of(settings: TrainSettings, variant: str) -> TrainSettings:
  """The small-set settings of a variant."""
  return VARIANTS[variant][1](settings)
