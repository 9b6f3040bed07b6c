"""How distilled sets are made: the Distiller's settings, defined once for the pipeline
config, the component, the command line and the algorithms (`nfr.run_nfr`,
`kip.run_kip`, `bilevel.run_logreg`, `herding`), which all take this same object
(`for_method` fills in the method's own defaults where a setting says `0`/'auto')."""

import dataclasses

from tfx_distill.contracts.errors import check
from tfx_distill.contracts.options import option

METHODS = ('nfr', 'random', 'first', 'herding', 'kip', 'logreg')
DEFAULT_METHOD = 'nfr'
KERNELS = ('conv_rf', 'fc_ntk')
MIN_TARGET_BATCH = 10  # one image of each class
CLIP_MODES = ('auto', 'output', 'step', 'none')
FEATURES = ('flatten_hidden', 'hidden', 'flatten')
INITS = ('herding', 'random')
KEEP_BEST = ('fit', 'krr_pool', 'krr_fixed', 'none')
# The method's own value of a setting left at 0 / 'auto': KIP's as measured in
# bench/README.md; nfr's from its research runs (200 target images scored as 500 do at
# about 55% of the CPU; clipping after every step).
METHOD_DEFAULTS = {
    'nfr': {'target_batch': 200, 'clip': 'step'},
    '': {'target_batch': 1000, 'clip': 'output'},  # every other method
}


@dataclasses.dataclass(frozen=True)
class DistillSettings:
  """Shared by every distilled candidate (each names its method and images per class).

  nfr (neural feature regression with an online model pool, FRePo-style): `steps`
  Adam steps of `learning_rate` (cosine decay) on the support images (and labels) so
  that kernel ridge regression on the features (`features`) of partly trained networks
  of the Trainer's architecture predicts class-balanced target batches of `target_batch`
  real images; `pool_models` networks, each trained `model_steps` Adam steps of
  `model_lr` on the support (batch `model_batch`, shifts of `model_shift` pixels,
  dropout when `model_dropout`) after its use and re-initialised every `reset_every`
  updates; the initial support is herded or random real images (`init`); every
  `eval_every` steps the support is scored on `holdout` held-out pool images (never
  target images) by `keep_best` (fit: accuracy of `eval_models` fresh networks trained
  `eval_fit_steps` steps on it) and the best one is kept.
  kip: `steps` Adam steps of `learning_rate` on the support images (and labels when
  `learn_labels`), class-balanced target batches of `target_batch` from the pool,
  `kernel` conv_rf (random ConvNets of `width` channels, `num_networks` per step, new
  ones every `refresh_every` steps, the pool's features cached in between) or fc_ntk
  (`fc_depth` hidden layers), ridge `ridge * trace(K)/n`; `augment` translates the
  support inside the kernel; `clip` keeps images in the valid pixel range at the
  output, after every step, or never. logreg uses steps, learning_rate, target_batch,
  `l2reg` and clip. herding uses num_networks random ConvNets' features.
  `time_budget_s` (0 = none) stops early and keeps the best set."""
  steps: int = option(200, '--steps', 'optimisation steps (kip, logreg)')
  learning_rate: float = option(0.01, '--lr', 'Adam learning rate on the support set')
  kernel: str = option('conv_rf', '--kernel', 'KIP kernel', KERNELS)
  learn_labels: bool = option(True, '--learn-labels',
                              'learn the label vectors too (nfr, kip)')
  target_batch: int = option(0, '--target-batch',
                             "real images per step (0 = the method's own: nfr 200, "
                             'kip and logreg 1000)')
  num_networks: int = option(2, '--num-networks', 'random ConvNets per step (conv_rf)')
  width: int = option(128, '--width', 'channels of the random ConvNets (conv_rf)')
  refresh_every: int = option(1, '--refresh-every',
                              'KIP steps that share random networks (pool features cached)')
  ridge: float = option(1e-6, '--ridge', 'kernel ridge, times trace(K)/n')
  fc_depth: int = option(1, '--fc-depth', 'hidden layers of the fc_ntk kernel')
  augment: bool = option(False, '--kip-augment',
                         'random translations of the support inside the KIP kernel')
  clip: str = option('auto', '--clip',
                     'keep images in the valid pixel range: at the output, after every '
                     "step, or never (auto = the method's own: nfr step, others output)",
                     CLIP_MODES)
  l2reg: float = option(0.1, '--l2reg', 'inner L2 regularisation (logreg)')
  seed: int = option(0, '--seed', 'seed of the initial set, target batches and networks')
  time_budget_s: float = option(0.0, '--time-budget',
                                'seconds (0 = no limit); stops early and keeps the best set')
  features: str = option('flatten_hidden', '--features',
                         'nfr: network features the kernel regresses on (kip_convnet '
                         'has one representation, flatten, whatever is chosen)', FEATURES)
  pool_models: int = option(4, '--pool-models', 'nfr: networks in the online model pool')
  reset_every: int = option(100, '--reset-every',
                            'nfr: updates after which a pool network is re-initialised')
  model_steps: int = option(1, '--model-steps',
                            'nfr: Adam steps of a pool network per distillation step')
  model_lr: float = option(1e-3, '--model-lr', 'nfr: Adam learning rate of the networks')
  model_batch: int = option(256, '--model-batch',
                            'nfr: at most this many support images per network step')
  model_dropout: bool = option(True, '--model-dropout',
                               "nfr: train the networks with the architecture's dropout")
  model_shift: int = option(2, '--model-shift',
                            'nfr: random shifts (pixels) of the images networks train on')
  init: str = option('herding', '--init',
                     'nfr: initial support, herded (pixel space) or random real images',
                     INITS)
  keep_best: str = option('fit', '--keep-best',
                          'nfr: score that picks the kept support on held-out pool '
                          'images: fit (fresh networks trained on it), krr_pool / '
                          'krr_fixed (KRR under pool / fixed networks) or none (last)',
                          KEEP_BEST)
  eval_every: int = option(100, '--eval-every', 'nfr: steps between keep-best scores')
  holdout: int = option(1000, '--holdout',
                        'nfr: held-out pool images for keep-best (never target images)')
  eval_models: int = option(1, '--eval-models', 'nfr: networks per keep-best score')
  eval_fit_steps: int = option(300, '--eval-fit-steps',
                               'nfr: Adam steps of each keep-best fit')

  def validate(self) -> 'DistillSettings':
    """Raises ConfigError naming the first bad value; returns self."""
    check(self.steps >= 0, f'distill.steps must be >= 0, got {self.steps}')
    check(self.learning_rate > 0,
          f'distill.learning_rate must be > 0, got {self.learning_rate}')
    check(self.kernel in KERNELS,
          f'distill.kernel must be one of {KERNELS}, got {self.kernel!r}')
    check(self.clip in CLIP_MODES,
          f'distill.clip must be one of {CLIP_MODES}, got {self.clip!r}')
    for name in ('num_networks', 'width', 'refresh_every', 'fc_depth', 'pool_models',
                 'reset_every', 'model_batch', 'eval_every', 'eval_models'):
      check(getattr(self, name) > 0,
            f'distill.{name} must be > 0, got {getattr(self, name)}')
    for name in ('target_batch', 'model_steps', 'model_shift', 'holdout',
                 'eval_fit_steps'):
      check(getattr(self, name) >= 0,
            f'distill.{name} must be >= 0, got {getattr(self, name)}')
    check(self.target_batch == 0 or self.target_batch >= MIN_TARGET_BATCH,
          f'distill.target_batch must be 0 (auto) or >= {MIN_TARGET_BATCH}, '
          f'got {self.target_batch}')
    check(self.model_lr > 0, f'distill.model_lr must be > 0, got {self.model_lr}')
    check(self.model_shift <= 8, f'distill.model_shift must be <= 8, got {self.model_shift}')
    for name, allowed in (('features', FEATURES), ('init', INITS),
                          ('keep_best', KEEP_BEST)):
      check(getattr(self, name) in allowed,
            f'distill.{name} must be one of {allowed}, got {getattr(self, name)!r}')
    check(self.ridge > 0, f'distill.ridge must be > 0, got {self.ridge}')
    check(self.l2reg > 0, f'distill.l2reg must be > 0, got {self.l2reg}')
    check(self.time_budget_s >= 0,
          f'distill.time_budget_s must be >= 0, got {self.time_budget_s}')
    return self


def for_method(settings: DistillSettings, method: str) -> DistillSettings:
  """The settings with every 0 / 'auto' replaced by the method's own default."""
  defaults = METHOD_DEFAULTS.get(method, METHOD_DEFAULTS[''])
  changes = {'target_batch': settings.target_batch or defaults['target_batch']}
  if settings.clip == 'auto':
    changes['clip'] = defaults['clip']
  return dataclasses.replace(settings, **changes)


def check_candidate(method: str, images_per_class: int) -> None:
  """Raises ConfigError unless `method` is known and images_per_class >= 1."""
  check(method in METHODS, f'method must be one of {METHODS}, got {method!r}')
  check(images_per_class >= 1, f'images per class must be >= 1, got {images_per_class}')
