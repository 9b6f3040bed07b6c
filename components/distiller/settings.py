"""How distilled sets are made: the Distiller's settings, defined once for the pipeline
config, the component, the command line and the algorithms (`kip.run_kip`,
`bilevel.run_logreg`, `herding`), which all take this same object."""

import dataclasses

from tfx_distill.components.errors import check
from tfx_distill.components.options import option

METHODS = ('random', 'first', 'herding', 'kip', 'logreg')
KERNELS = ('conv_rf', 'fc_ntk')
CLIP_MODES = ('output', 'step', 'none')


@dataclasses.dataclass(frozen=True)
class DistillSettings:
  """Shared by every distilled candidate (each names its method and images per class).

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
  learn_labels: bool = option(True, '--learn-labels', 'learn the label vectors too (kip)')
  target_batch: int = option(1000, '--target-batch', 'real images per step')
  num_networks: int = option(2, '--num-networks', 'random ConvNets per step (conv_rf)')
  width: int = option(128, '--width', 'channels of the random ConvNets (conv_rf)')
  refresh_every: int = option(1, '--refresh-every',
                              'KIP steps that share random networks (pool features cached)')
  ridge: float = option(1e-6, '--ridge', 'kernel ridge, times trace(K)/n')
  fc_depth: int = option(1, '--fc-depth', 'hidden layers of the fc_ntk kernel')
  augment: bool = option(False, '--kip-augment',
                         'random translations of the support inside the KIP kernel')
  clip: str = option('output', '--clip',
                     'keep images in the valid pixel range: at the output, after every '
                     'step, or never', CLIP_MODES)
  l2reg: float = option(0.1, '--l2reg', 'inner L2 regularisation (logreg)')
  seed: int = option(0, '--seed', 'seed of the initial set, target batches and networks')
  time_budget_s: float = option(0.0, '--time-budget',
                                'seconds (0 = no limit); stops early and keeps the best set')

  def validate(self) -> 'DistillSettings':
    """Raises ConfigError naming the first bad value; returns self."""
    check(self.steps >= 0, f'distill.steps must be >= 0, got {self.steps}')
    check(self.learning_rate > 0,
          f'distill.learning_rate must be > 0, got {self.learning_rate}')
    check(self.kernel in KERNELS,
          f'distill.kernel must be one of {KERNELS}, got {self.kernel!r}')
    check(self.clip in CLIP_MODES,
          f'distill.clip must be one of {CLIP_MODES}, got {self.clip!r}')
    for name in ('target_batch', 'num_networks', 'width', 'refresh_every', 'fc_depth'):
      check(getattr(self, name) > 0,
            f'distill.{name} must be > 0, got {getattr(self, name)}')
    check(self.ridge > 0, f'distill.ridge must be > 0, got {self.ridge}')
    check(self.l2reg > 0, f'distill.l2reg must be > 0, got {self.l2reg}')
    check(self.time_budget_s >= 0,
          f'distill.time_budget_s must be >= 0, got {self.time_budget_s}')
    return self


def check_candidate(method: str, images_per_class: int) -> None:
  """Raises ConfigError unless `method` is known and images_per_class >= 1."""
  check(method in METHODS, f'method must be one of {METHODS}, got {method!r}')
  check(images_per_class >= 1, f'images per class must be >= 1, got {images_per_class}')
