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

import argparse
import dataclasses
from typing import Any, Tuple

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


AUTO_STEPS = -1  # nfr's steps from the set's size (NfrSettings.steps_for)


def parse_steps(text: str) -> int:
  """`--steps`: 'auto' -> AUTO_STEPS, else a number of steps."""
  if text.strip().lower() == 'auto':
    return AUTO_STEPS
  try:
    steps = int(text)
  except ValueError:
    steps = -1
  if steps < 0:
    raise argparse.ArgumentTypeError(
        f'expected auto or a number of steps >= 0, got {text!r}') from None
  return steps


@dataclasses.dataclass(frozen=True)
class SupportOptimisation(Seeded):
  """Methods that learn the support set (kip, logreg, nfr): `steps` Adam steps of
  `learning_rate` against class-balanced target batches of `target_batch` real
  images; `clip` keeps the images in the valid pixel range at the output, after every
  step, or never; `time_budget_s` (0 = none) stops early and keeps the best set."""
  steps: int = option(200, '--steps',
                      'optimisation steps, or auto (nfr\'s default: 1,000 below 10 images '
                      'per class, 200 from 10, the best of 200 to 2,000 steps measured at '
                      '1 and 10 per class and of 200 and 500 at 50, bench/README.md); nfr '
                      'on 2 CPU cores takes '
                      'about 0.07 s a step at 1 per class, 0.15 s at 10, 0.6 s at 50',
                      parse=parse_steps)
  learning_rate: float = option(0.01, '--lr', 'Adam learning rate on the support set')
  target_batch: int = option(1000, '--target-batch', 'real images per step')
  clip: str = option('output', '--clip',
                     'keep images in the valid pixel range: at the output, after every '
                     'step, or never', CLIP_MODES)
  time_budget_s: float = option(0.0, '--time-budget',
                                'seconds (0 = no limit); stops early and keeps the best set')

  def check(self) -> None:
    auto_ok = isinstance(self, AutoSteps)
    check(self.steps >= 0 or (self.steps == AUTO_STEPS and auto_ok),
          f'distill.steps must be >= 0{" or auto" if auto_ok else ""}, got {self.steps}'
          f'{" (auto, which only nfr takes)" if self.steps == AUTO_STEPS else ""}')
    check_positive(self, 'learning_rate')
    check_choice(self, 'clip', CLIP_MODES)
    check(self.target_batch >= MIN_TARGET_BATCH,
          f'distill.target_batch must be >= {MIN_TARGET_BATCH}, got {self.target_batch}')
    check_non_negative(self, 'time_budget_s')


class AutoSteps:
  """Mixin of the methods whose steps may be AUTO_STEPS (nfr): `steps_for` resolves it
  from the set's size."""
  # The best of 200, 500, 1,000 and 2,000 nfr steps (bench/README.md, "Distillation
  # steps against accuracy"): at 1 per class 1,000 (89.6% against 85.6 at 200); at 10
  # per class 200 (96.5, flat to 1,000, then falling); at 50 per class 200 (97.0 against
  # 96.5 at 500).
  AUTO_STEPS_BELOW_10 = 1000
  AUTO_STEPS_FROM_10 = 200

  def steps_for(self, images_per_class: int) -> int:
    """The steps a set of `images_per_class` gets: `steps`, or by size when auto."""
    if self.steps != AUTO_STEPS:
      return self.steps
    return self.AUTO_STEPS_BELOW_10 if images_per_class < 10 else self.AUTO_STEPS_FROM_10


def steps_of(settings: MethodSettings, images_per_class: int) -> int:
  """The steps a method's run on `images_per_class` takes (auto resolved; 0 for
  methods without steps)."""
  if isinstance(settings, AutoSteps):
    return settings.steps_for(images_per_class)
  return getattr(settings, 'steps', 0)


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
# The architectures nfr's pool can hold (components/distiller/networks.py; named here,
# where no TensorFlow is imported).
POOL_ARCHITECTURES = ('seed_cnn', 'kip_convnet', 'mlp', 'lenet5')
FEATURES = ('flatten_hidden', 'hidden', 'flatten')
INITS = ('herding', 'random')
LABEL_INITS = ('plain', 'teacher')
OBJECTIVES = ('krr', 'unroll')
KEEP_BEST = ('fit', 'krr_pool', 'krr_fixed', 'none')
# nfr's holdout `auto`: derived from the pool (keep_best.holdout_size): a fifth of its
# smallest class per class, at most 100 per class (1000 in all, the old fixed default,
# which the bench's and the demo's pools keep), never leaving a class fewer pool images
# than the set takes.
AUTO_HOLDOUT = -1


def parse_holdout(text: str) -> int:
  """`--holdout`: 'auto' -> AUTO_HOLDOUT, else a number of images."""
  if text.strip().lower() == 'auto':
    return AUTO_HOLDOUT
  try:
    return int(text)
  except ValueError:
    raise argparse.ArgumentTypeError(
        f'expected auto or a number of images, got {text!r}') from None


@dataclasses.dataclass(frozen=True)
class NfrSettings(AutoSteps, KernelRegression, SupportOptimisation):
  """nfr (neural feature regression with an online model pool, FRePo-style): `steps`
  Adam steps of `learning_rate` (cosine decay) on the support images (and labels) so
  that kernel ridge regression on the features (`features`) of partly trained networks
  of the Trainer's architecture predicts class-balanced target batches of
  `target_batch` real images (200: scored as 500 at about 55% of the CPU); images
  clipped after every step (`clip`); `pool_models` networks (of the Trainer's
  architecture, or cycling through `pool_architectures`), each trained `model_steps`
  Adam steps of `model_lr` on the support (batch `model_batch`, shifts of `model_shift`
  pixels, dropout when `model_dropout`) after its use and re-initialised every
  `reset_every` updates; the initial support is herded or random real images (`init`);
  every `eval_every` steps the support is scored on `holdout` held-out pool images
  (never target images; AUTO_HOLDOUT: derived from the pool) by `keep_best` (default
  none: the last iterate is returned; fit:
  accuracy of `eval_models` fresh networks trained on it as the Trainer trains a small
  set: `eval_fit_steps` steps at batch `eval_batch`, peak rate `eval_lr`) and the best
  one is kept. Levers measured in bench/README.md and off by default: the initial
  labels from a teacher (`label_init`), wider pool networks (`pool_width_scale`), the
  support fitted through unrolled small-set training instead of the regression
  (`objective` unroll, `unroll_steps`); `steps` auto: by the set's size (AutoSteps)."""
  steps: int = own_default(SupportOptimisation, 'steps', AUTO_STEPS)
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
  pool_width_scale: float = option(1.0, '--pool-width-scale',
                                   "the pool networks' width as a multiple of their "
                                   "architecture's own (the Trainer's): 2 doubles every "
                                   'layer (2.4x the distillation time at 10 per class)')
  pool_architectures: str = option(
      '', '--pool-architectures',
      "the pool networks' architectures, comma-separated (model j is the (j mod their "
      "number)-th); any of seed_cnn, kip_convnet, mlp, lenet5 ('': the Trainer's own), "
      'so that the set is made for several networks')
  support_shift: int = option(0, '--support-shift',
                              'random shifts (pixels) of the support inside the feature '
                              'regression, as the small-set recipe shifts it (DSA-style; '
                              '0: none)')
  objective: str = option('krr', '--objective',
                          'what the support is fitted to: krr (kernel ridge regression on '
                          'pool networks\' features, FRePo) or unroll (the target loss of a '
                          'fresh network after --unroll-steps steps of the small-set recipe '
                          '(--eval-batch, --eval-lr, --eval-fit-steps, --model-shift), '
                          'back-propagated through its Adam steps)', OBJECTIVES)
  unroll_steps: int = option(20, '--unroll-steps',
                             'small-set steps unrolled by --objective unroll')
  init: str = option('herding', '--init',
                     'initial support, herded (pixel space) or random real images', INITS)
  label_init: str = option('plain', '--label-init',
                           "initial support labels: plain (one-hot minus 1/10) or "
                           "teacher (the logits of a network of the Trainer's "
                           'architecture trained --teacher-steps steps on the target '
                           'images)', LABEL_INITS)
  teacher_steps: int = option(300, '--teacher-steps',
                              'Adam steps (batch 128) of the --label-init teacher')
  # none by default: at 10 and 50 per class the set kept by fit trained the CNN no
  # better than the last iterate under the small-set recipe, and worse under a plain
  # loop, for 60% more time at 10 per class (bench/README.md, "keep-best").
  keep_best: str = option('none', '--keep-best',
                          'score that picks the kept support on held-out pool images: '
                          'none (the last iterate, the default), fit (fresh networks '
                          'trained on it by the small-set recipe), krr_pool / krr_fixed '
                          '(KRR under pool / fixed networks)', KEEP_BEST)
  eval_every: int = option(25, '--eval-every', 'steps between keep-best scores')
  holdout: int = option(AUTO_HOLDOUT, '--holdout',
                        'held-out pool images for keep-best (never target images): auto '
                        '(-1, the default: a fifth of the smallest class of the pool per '
                        'class, at most 100 per class, 1000 in all) or a number (0: none)',
                        parse=parse_holdout)
  eval_models: int = option(1, '--eval-models', 'networks per keep-best score')
  # keep-best `fit` trains as the Trainer trains a small set (trainer/settings.py,
  # SmallSetTraining: 300 steps, batch 10, Adam 3e-3 with warm-up and cosine decay, no
  # dropout, the shifts of model_shift); a pipeline run sets the three below to its
  # small-set recipe's (PipelineConfig.distill_settings).
  eval_fit_steps: int = option(300, '--eval-fit-steps',
                               'Adam steps of each keep-best fit (in a pipeline run: '
                               '--small-steps)')
  eval_batch: int = option(10, '--eval-batch',
                           'batch of each keep-best fit: min(set size, this) (in a '
                           'pipeline run: --small-batch-size)')
  eval_lr: float = option(3e-3, '--eval-lr',
                          'peak learning rate of each keep-best fit (linear warm-up over '
                          'a tenth of the steps, then cosine decay to 0; in a pipeline '
                          'run: --small-lr)')

  @property
  def pool_architecture_list(self) -> Tuple[str, ...]:
    """--pool-architectures as a tuple (empty: the Trainer's own architecture)."""
    return tuple(a.strip() for a in self.pool_architectures.split(',') if a.strip())

  def check(self) -> None:
    check(self.clip in NFR_CLIP_MODES,
          f'distill.clip must be one of {NFR_CLIP_MODES} for nfr, got {self.clip!r}')
    check_positive(self, 'pool_width_scale', 'pool_models', 'reset_every', 'model_batch',
                   'eval_every',
                   'eval_models', 'model_lr', 'eval_batch', 'eval_lr', 'teacher_steps',
                   'unroll_steps')
    check_non_negative(self, 'model_steps', 'model_shift', 'eval_fit_steps',
                       'support_shift')
    check(self.holdout >= 0 or self.holdout == AUTO_HOLDOUT,
          f'distill.holdout must be auto ({AUTO_HOLDOUT}) or >= 0, got {self.holdout}')
    check(self.model_shift <= 8, f'distill.model_shift must be <= 8, got {self.model_shift}')
    check(self.support_shift <= 8,
          f'distill.support_shift must be <= 8, got {self.support_shift}')
    unknown = [a for a in self.pool_architecture_list if a not in POOL_ARCHITECTURES]
    check(not unknown, f'distill.pool_architectures: unknown {unknown}; choose from '
          f'{POOL_ARCHITECTURES}')
    check(self.keep_best != 'krr_pool' or len(set(self.pool_architecture_list)) <= 1,
          'distill.keep_best krr_pool scores under the pool networks, which need one '
          'architecture; give --keep-best fit with several --pool-architectures')
    check(self.objective != 'unroll' or not self.pool_architecture_list,
          'distill.objective unroll trains the Trainer\'s architecture; drop '
          '--pool-architectures')
    for name, allowed in (('features', FEATURES), ('init', INITS),
                          ('label_init', LABEL_INITS), ('objective', OBJECTIVES),
                          ('keep_best', KEEP_BEST)):
      check_choice(self, name, allowed)
