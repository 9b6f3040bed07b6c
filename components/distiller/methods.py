"""The table of distillation methods: for each, its settings (a frozen dataclass of
exactly the fields it reads, with its own defaults and checks), its run function
(one signature, one result type: `run(job: Job, settings) -> DistilledSet`) and the
class of its checkpoint state, if it keeps one.

Adding a method means one module (its run function, and its state if it checkpoints),
its settings class (settings.py) and one entry here: a `Method` line, with its module
in `_modules`. Everything else follows from the table: the Distiller's execution
parameters (its method's fields only, so that a setting of one method never re-runs
another's Distillers), `DistillConfig` (the pipeline config's `distill`, one settings
object per method: `config.distill.nfr.steps`), the command line's flags (one per
field name, applied to every method that has the field), the checkpoints and the
published sets' record.

The settings classes are declared in settings.py rather than in their method's module
so that the command line and the pipeline config read them without importing
TensorFlow; the method modules are imported on first use (`_modules`).
"""

import dataclasses
import importlib
import re
from typing import Any, Dict, Iterable, List, Optional, Tuple

from tfx_distill.components.distiller.settings import (FirstSettings, HerdingSettings,
                                                       KipSettings, LogregSettings,
                                                       MethodSettings, NfrSettings,
                                                       RandomSettings)
from tfx_distill.contracts.errors import check

# ---------------------------------------------------------------------------- the table


@dataclasses.dataclass(frozen=True)
class Method:
  """One distillation method: `settings`, its settings class; `run`, its run function
  as 'module.name' in this package, called as run(job: Job, settings) and returning a
  DistilledSet; `state`, its checkpoint state class as 'module.name' ('' when it
  keeps no checkpoints), with `to_arrays()`, `from_arrays(arrays)`, `step` and
  `elapsed_s`; `about`, one line for the command line."""
  name: str
  settings: type
  run: str
  state: str = ''
  about: str = ''
  # Real images picked without distilling: the family every distilled set of its size is
  # compared with (the report's reference curves; dashed).
  reference: bool = False

  def __post_init__(self):
    # A method's name is part of every label its sets get (contracts/identity.py).
    if not re.fullmatch(r'[a-z][a-z0-9_]*', self.name):
      raise ValueError(f'method name {self.name!r}: lower-case letters, digits and _ only')

  def distill(self, job, settings) -> Any:
    """Runs the method: a DistilledSet (distilled_set.py) of job.images_per_class
    images per class."""
    return _load(self.run)(job, settings)

  def state_class(self) -> Optional[type]:
    """The class of the checkpoint state (None when the method keeps none)."""
    return _load(self.state) if self.state else None


_TABLE = (
    Method('nfr', NfrSettings, 'nfr.run_nfr', 'nfr_state.NfrState',
           'neural feature regression with an online model pool'),
    Method('random', RandomSettings, 'baselines.run_random', about='random real images',
           reference=True),
    Method('first', FirstSettings, 'baselines.run_first',
           about='the first real images of each class'),
    Method('herding', HerdingSettings, 'herding.run_herding',
           about='herded real images (random ConvNet features)'),
    Method('kip', KipSettings, 'kip.run_kip', 'kip.KipState', 'kernel inducing points'),
    Method('logreg', LogregSettings, 'bilevel.run_logreg',
           about='bi-level logistic regression'),
)
METHODS: Dict[str, Method] = {m.name: m for m in _TABLE}
METHOD_NAMES = tuple(METHODS)
DEFAULT_METHOD = 'nfr'


def _load(dotted: str) -> Any:
  """'nfr.run_nfr' -> the function, its module (of this package) imported on first use
  (the method modules import TensorFlow; the command line and the config do without
  it). The Distiller's code version covers every module of this folder
  (pipeline/cache_keys.py), so the table alone names them."""
  module, _, name = dotted.partition('.')
  return getattr(importlib.import_module(f'{__package__}.{module}'), name)


def method(name: str) -> Method:
  """The table's entry; ConfigError for an unknown method."""
  check(name in METHODS, f'method must be one of {METHOD_NAMES}, got {name!r}')
  return METHODS[name]


def settings_of(name: str, settings: Optional[MethodSettings] = None) -> MethodSettings:
  """`settings` for method `name` (default: the method's own defaults); ConfigError
  when they are another method's."""
  entry = method(name)
  if settings is None:
    return entry.settings()
  check(isinstance(settings, entry.settings),
        f'method {name} takes {entry.settings.__name__}, got {type(settings).__name__}')
  return settings


def check_candidate(name: str, images_per_class: int) -> None:
  """Raises ConfigError unless the method is known and images_per_class >= 1."""
  method(name)
  check(images_per_class >= 1, f'images per class must be >= 1, got {images_per_class}')


def field_names(name: str) -> Tuple[str, ...]:
  """The settings fields (execution parameters) of a method."""
  return tuple(f.name for f in dataclasses.fields(METHODS[name].settings))


def fields_by_name() -> Dict[str, Tuple[dataclasses.Field, Tuple[str, ...]]]:
  """{field name: (its declaration, the methods that have it)} over every method's
  settings, in the table's order: one command-line flag each (a shared field is
  declared once, so every method has the same declaration)."""
  found: Dict[str, Tuple[dataclasses.Field, List[str]]] = {}
  for entry in _TABLE:
    for f in dataclasses.fields(entry.settings):
      found.setdefault(f.name, (f, []))[1].append(entry.name)
  return {name: (f, tuple(names)) for name, (f, names) in found.items()}


def applies_to(name: str) -> str:
  """Which methods read the field `name`, and their defaults: 'nfr, kip, logreg;
  default 200' or 'nfr 200; kip, logreg 1000'."""
  _, names = fields_by_name()[name]
  defaults: Dict[Any, List[str]] = {}
  for m in names:
    defaults.setdefault(getattr(METHODS[m].settings(), name), []).append(m)
  shown = lambda value: 'auto' if value == -1 else value  # AUTO_STEPS, AUTO_HOLDOUT
  if len(defaults) == 1:
    return f'{", ".join(names)}; default {shown(next(iter(defaults)))}'
  return '; '.join(f'{", ".join(ms)} {shown(value)}' for value, ms in defaults.items())


# ------------------------------------------------------------------- the pipeline config


class _DistillConfig:
  """Behaviour of DistillConfig (its fields are made from the table above)."""

  def settings(self, name: str) -> MethodSettings:
    """The settings of method `name`."""
    return getattr(self, method(name).name)

  def validate(self, methods: Optional[Iterable[str]] = None):
    """Validates the settings of `methods` (default: every method), the ones that
    will run; returns self."""
    for name in (METHOD_NAMES if methods is None else methods):
      self.settings(name).validate()
    return self

  def updated(self, **changes):
    """A copy with `changes`: a field name sets that field of every method that has it
    (what its flag does); a method name takes a dict of its fields (applied after the
    field names) or its settings. ConfigError for any other name."""
    shared = {key: value for key, value in changes.items() if key not in METHODS}
    fields = fields_by_name()
    for key in shared:
      check(key in fields, f'distill has no setting {key!r}')
    replaced = {}
    for name in METHOD_NAMES:
      own = changes.get(name, {})
      if isinstance(own, MethodSettings):
        check(isinstance(own, METHODS[name].settings),
              f'distill.{name} takes {METHODS[name].settings.__name__}, got '
              f'{type(own).__name__}')
        replaced[name] = own
        continue
      values = {k: v for k, v in shared.items() if name in fields[k][1]}
      values.update(own)
      if values:
        replaced[name] = dataclasses.replace(getattr(self, name), **values)
    return dataclasses.replace(self, **replaced)


DistillConfig = dataclasses.make_dataclass(
    'DistillConfig',
    [(m.name, m.settings, dataclasses.field(default=m.settings())) for m in _TABLE],
    bases=(_DistillConfig,), frozen=True)
DistillConfig.__module__ = __name__
DistillConfig.__doc__ = (
    "The pipeline config's `distill`: one settings object per method of the table, "
    'named as the method (`config.distill.nfr`, `config.distill.kip`, ...). A '
    "Distiller gets its method's (`settings(method)`); `updated(steps=5)` sets a field "
    'in every method that has it, as its command-line flag does.')
