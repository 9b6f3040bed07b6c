"""The table of distillation methods: for each, its settings (a frozen dataclass of
exactly the fields it reads, with its own defaults and checks), its run function
(one signature, one result type: `run(job: Job, settings) -> DistilledSet`) and the
class of its checkpoint state, if it keeps one.

Adding a method means one module (its run function, and its state if it checkpoints)
and one entry here: its settings class and a `Method` line, with its module in
`_modules`. Everything else follows from the table: the Distiller's execution
parameters (its method's fields only, so that a setting of one method never re-runs
another's Distillers), `DistillConfig` (the pipeline config's `distill`, one settings
object per method: `config.distill.nfr.steps`), the command line's flags (one per
field name, applied to every method that has the field), the checkpoints and the
published sets' record.

The settings classes are declared here rather than in their method's module so that
the command line and the pipeline config read them without importing TensorFlow; the
method modules are imported on first use (`_modules`).
"""

import dataclasses
from typing import Any, Dict, Iterable, List, Optional, Tuple

from tfx_distill.components.distiller.settings import (KernelRegression, MethodSettings,
                                                       RandomConvNets, Seeded,
                                                       SupportOptimisation, check_choice,
                                                       check_non_negative, check_positive,
                                                       own_default)
from tfx_distill.contracts.errors import check
from tfx_distill.contracts.options import option

# ------------------------------------------------------------------ each method's settings


@dataclasses.dataclass(frozen=True)
class FirstSettings(MethodSettings):
  """first: the first images of every class (the seed notebook's choice); no settings."""


@dataclasses.dataclass(frozen=True)
class RandomSettings(Seeded):
  """random: `images_per_class` random real images of every class, drawn from `seed`."""


@dataclasses.dataclass(frozen=True)
class HerdingSettings(RandomConvNets, Seeded):
  """herding: real images whose features follow their class's mean, the features of
  `num_networks` random ConvNets (drawn from `seed`)."""


KERNELS = ('conv_rf', 'fc_ntk')


@dataclasses.dataclass(frozen=True)
class KipSettings(RandomConvNets, KernelRegression, SupportOptimisation):
  """kip (kernel inducing points): `steps` Adam steps of `learning_rate` on the support
  images (and labels when `learn_labels`), class-balanced target batches of
  `target_batch` from the pool, `kernel` conv_rf (random ConvNets of `width` channels,
  `num_networks` per step, new ones every `refresh_every` steps, the pool's features
  cached in between) or fc_ntk (`fc_depth` hidden layers), ridge `ridge * trace(K)/n`;
  `augment` translates the support inside the kernel."""
  kernel: str = option('conv_rf', '--kernel', 'KIP kernel', KERNELS)
  width: int = option(128, '--width', 'channels of the random ConvNets (conv_rf)')
  refresh_every: int = option(1, '--refresh-every',
                              'KIP steps that share random networks (pool features cached)')
  fc_depth: int = option(1, '--fc-depth', 'hidden layers of the fc_ntk kernel')
  augment: bool = option(False, '--kip-augment',
                         'random translations of the support inside the KIP kernel')

  def check(self) -> None:
    check_choice(self, 'kernel', KERNELS)
    check_positive(self, 'width', 'refresh_every', 'fc_depth')


@dataclasses.dataclass(frozen=True)
class LogregSettings(SupportOptimisation):
  """logreg (bi-level logistic regression with implicit differentiation): `steps` Adam
  steps of `learning_rate` on the support images against target batches of
  `target_batch`, inner L2 regularisation `l2reg`; clipped at the output (clip step
  clips there too) unless clip is none."""
  l2reg: float = option(0.1, '--l2reg', 'inner L2 regularisation')

  def check(self) -> None:
    check_positive(self, 'l2reg')


NFR_CLIP_MODES = ('step', 'output')
FEATURES = ('flatten_hidden', 'hidden', 'flatten')
INITS = ('herding', 'random')
KEEP_BEST = ('fit', 'krr_pool', 'krr_fixed', 'none')


@dataclasses.dataclass(frozen=True)
class NfrSettings(KernelRegression, SupportOptimisation):
  """nfr (neural feature regression with an online model pool, FRePo-style): `steps`
  Adam steps of `learning_rate` (cosine decay) on the support images (and labels) so
  that kernel ridge regression on the features (`features`) of partly trained networks
  of the Trainer's architecture predicts class-balanced target batches of
  `target_batch` real images (200: scored as 500 at about 55% of the CPU); images
  clipped after every step (`clip`); `pool_models` networks, each trained `model_steps`
  Adam steps of `model_lr` on the support (batch `model_batch`, shifts of `model_shift`
  pixels, dropout when `model_dropout`) after its use and re-initialised every
  `reset_every` updates; the initial support is herded or random real images (`init`);
  every `eval_every` steps the support is scored on `holdout` held-out pool images
  (never target images) by `keep_best` (fit: accuracy of `eval_models` fresh networks
  trained `eval_fit_steps` steps on it) and the best one is kept."""
  target_batch: int = own_default(SupportOptimisation, 'target_batch', 200)
  clip: str = own_default(SupportOptimisation, 'clip', 'step')
  features: str = option('flatten_hidden', '--features',
                         'network features the kernel regresses on (kip_convnet has one '
                         'representation, flatten, whatever is chosen)', FEATURES)
  pool_models: int = option(4, '--pool-models', 'networks in the online model pool')
  reset_every: int = option(100, '--reset-every',
                            'updates after which a pool network is re-initialised')
  model_steps: int = option(1, '--model-steps',
                            'Adam steps of a pool network per distillation step')
  model_lr: float = option(1e-3, '--model-lr', 'Adam learning rate of the networks')
  model_batch: int = option(256, '--model-batch',
                            'at most this many support images per network step')
  model_dropout: bool = option(True, '--model-dropout',
                               "train the networks with the architecture's dropout")
  model_shift: int = option(2, '--model-shift',
                            'random shifts (pixels) of the images networks train on')
  init: str = option('herding', '--init',
                     'initial support, herded (pixel space) or random real images', INITS)
  keep_best: str = option('fit', '--keep-best',
                          'score that picks the kept support on held-out pool images: fit '
                          '(fresh networks trained on it), krr_pool / krr_fixed (KRR under '
                          'pool / fixed networks) or none (last)', KEEP_BEST)
  eval_every: int = option(100, '--eval-every', 'steps between keep-best scores')
  holdout: int = option(1000, '--holdout',
                        'held-out pool images for keep-best (never target images)')
  eval_models: int = option(1, '--eval-models', 'networks per keep-best score')
  eval_fit_steps: int = option(300, '--eval-fit-steps', 'Adam steps of each keep-best fit')

  def check(self) -> None:
    check(self.clip in NFR_CLIP_MODES,
          f'distill.clip must be one of {NFR_CLIP_MODES} for nfr, got {self.clip!r}')
    check_positive(self, 'pool_models', 'reset_every', 'model_batch', 'eval_every',
                   'eval_models', 'model_lr')
    check_non_negative(self, 'model_steps', 'model_shift', 'holdout', 'eval_fit_steps')
    check(self.model_shift <= 8, f'distill.model_shift must be <= 8, got {self.model_shift}')
    for name, allowed in (('features', FEATURES), ('init', INITS),
                          ('keep_best', KEEP_BEST)):
      check_choice(self, name, allowed)


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
    Method('random', RandomSettings, 'baselines.run_random', about='random real images'),
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


def _modules() -> Dict[str, Any]:
  """The method modules, imported on first use (they import TensorFlow; the command
  line and the config do without it). Imported by name here, so that the Distiller's
  code version (pipeline/cache_keys.py, which reads imports) covers them."""
  # pylint: disable=g-import-not-at-top,import-outside-toplevel
  from tfx_distill.components.distiller import (baselines, bilevel, herding, kip, nfr,
                                                nfr_state)
  return {'baselines': baselines, 'bilevel': bilevel, 'herding': herding, 'kip': kip,
          'nfr': nfr, 'nfr_state': nfr_state}


def _load(dotted: str) -> Any:
  module, _, name = dotted.partition('.')
  return getattr(_modules()[module], name)


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
  if len(defaults) == 1:
    return f'{", ".join(names)}; default {next(iter(defaults))}'
  return '; '.join(f'{", ".join(ms)} {value}' for value, ms in defaults.items())


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
