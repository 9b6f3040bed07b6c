"""The distillation settings several methods share, each field declared once.

A method's settings are a frozen dataclass of exactly the fields it reads (its
execution parameters as a Distiller), listed in the table of methods (`methods.py`),
built from the groups below and its own fields. A shared field has one name, one flag
and one check in every method that has it, so that one flag (`--steps`) reaches every
method that reads it; a method that wants another default for it says so with
`own_default` (nfr's target batch and clip). `MethodSettings.validate` runs the
`check` of every group a class is built from, then the class's own.

These classes import nothing heavy: the command line and the pipeline config read
them without TensorFlow.
"""

import dataclasses
from typing import Any

from tfx_distill.contracts.errors import check
from tfx_distill.contracts.options import option

MIN_TARGET_BATCH = 10  # one image of each class
CLIP_MODES = ('output', 'step', 'none')


class MethodSettings:
  """Base of every method's settings. Each class in the hierarchy may define
  `check(self)` for the fields it declares; `validate` runs them all, base groups
  first, and raises ConfigError naming the first bad value."""

  def validate(self):
    """Raises ConfigError naming the first bad value; returns self."""
    for cls in reversed(type(self).__mro__):
      own_check = vars(cls).get('check')
      if own_check is not None:
        own_check(self)
    return self


def own_default(group: type, name: str, default: Any) -> Any:
  """The field `name` of a shared `group` with a method's own default: the same flag,
  help and check (a method's settings class redeclares the field with this)."""
  field = {f.name: f for f in dataclasses.fields(group)}[name]
  return dataclasses.field(default=default, metadata=field.metadata)


def check_positive(settings: Any, *names: str) -> None:
  for name in names:
    check(getattr(settings, name) > 0,
          f'distill.{name} must be > 0, got {getattr(settings, name)}')


def check_non_negative(settings: Any, *names: str) -> None:
  for name in names:
    check(getattr(settings, name) >= 0,
          f'distill.{name} must be >= 0, got {getattr(settings, name)}')


def check_choice(settings: Any, name: str, allowed) -> None:
  check(getattr(settings, name) in allowed,
        f'distill.{name} must be one of {allowed}, got {getattr(settings, name)!r}')


@dataclasses.dataclass(frozen=True)
class Seeded(MethodSettings):
  """Methods with random draws (every one but first)."""
  seed: int = option(0, '--seed', 'seed of the initial set, target batches and networks')


@dataclasses.dataclass(frozen=True)
class SupportOptimisation(Seeded):
  """Methods that learn the support set (kip, logreg, nfr): `steps` Adam steps of
  `learning_rate` against class-balanced target batches of `target_batch` real
  images; `clip` keeps the images in the valid pixel range at the output, after every
  step, or never; `time_budget_s` (0 = none) stops early and keeps the best set."""
  steps: int = option(200, '--steps', 'optimisation steps')
  learning_rate: float = option(0.01, '--lr', 'Adam learning rate on the support set')
  target_batch: int = option(1000, '--target-batch', 'real images per step')
  clip: str = option('output', '--clip',
                     'keep images in the valid pixel range: at the output, after every '
                     'step, or never', CLIP_MODES)
  time_budget_s: float = option(0.0, '--time-budget',
                                'seconds (0 = no limit); stops early and keeps the best set')

  def check(self) -> None:
    check_non_negative(self, 'steps')
    check_positive(self, 'learning_rate')
    check_choice(self, 'clip', CLIP_MODES)
    check(self.target_batch >= MIN_TARGET_BATCH,
          f'distill.target_batch must be >= {MIN_TARGET_BATCH}, got {self.target_batch}')
    check_non_negative(self, 'time_budget_s')


@dataclasses.dataclass(frozen=True)
class KernelRegression(MethodSettings):
  """Methods that fit the targets by kernel ridge regression from the support (kip,
  nfr): ridge `ridge * trace(K)/n`; the label vectors are learned too when
  `learn_labels`."""
  learn_labels: bool = option(True, '--learn-labels', 'learn the label vectors too')
  ridge: float = option(1e-6, '--ridge', 'kernel ridge, times trace(K)/n')

  def check(self) -> None:
    check_positive(self, 'ridge')


@dataclasses.dataclass(frozen=True)
class RandomConvNets(MethodSettings):
  """Methods that use random ConvNets' features (kip's conv_rf kernel, herding)."""
  num_networks: int = option(2, '--num-networks',
                             'random ConvNets (per KIP step with conv_rf; herding features)')

  def check(self) -> None:
    check_positive(self, 'num_networks')
