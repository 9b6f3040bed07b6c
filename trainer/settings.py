"""How a model is trained: the Trainer's settings, defined once for the pipeline config,
the command line, the Trainer's custom_config and `run_fn`/`tuner_fn`.

Two regimes (trainer/recipe.py turns either into a plan for the set `run_fn` reads):

- the full train split (TrainSettings alone): epochs up to `epochs`, early stopping on
  the `valid` split after `patience` epochs without a better valid loss, the best
  weights restored;
- a small set (TrainSettings with `small_set`, a SmallSetTraining recipe): a fixed
  number of optimiser steps at a batch of min(set size, batch), whatever the set's
  size, for distilled, random and imported sets alike.

`fn_args.custom_config` carries the fields of TrainSettings (`to_custom_config`, the
recipe as a nested dict); other keys, such as the Vertex extension's or the Tuner's
search budget, are ignored. When a Tuner's best hyperparameters are wired to the
Trainer, `fn_args.hyperparameters` holds them (the keras-tuner
`HyperParameters.get_config()` dict, or a plain dict of values) and its learning_rate,
dropout and width override the custom_config.
"""

import dataclasses
from typing import Any, Dict, Mapping, Optional

from tfx_distill.contracts.architectures import ARCHITECTURES
from tfx_distill.contracts.errors import check
from tfx_distill.contracts.options import option
from tfx_distill.contracts.parameters import from_dict

LABEL_LOSSES = ('mse', 'ce')
# No TPU strategy: kubeflow/README.md, "GPUs, and why no TPU".
STRATEGIES = ('auto', 'default', 'one_device', 'mirrored', 'multi_worker')
SCHEDULES = ('constant', 'cosine')
TUNED = ('learning_rate', 'dropout', 'width')
# TrainSettings fields that only the full set's regime uses (a small set's recipe has
# its own steps, batch, learning rate and shifts).
FULL_SET_ONLY = ('epochs', 'patience', 'batch_size', 'learning_rate', 'max_shift')
# A small set's j-th training in one Trainer has seed `seed + j * SEED_STRIDE`, apart
# from the seeds of the pipeline's other Trainers of the same set (seed + k, k <
# --seeds).
SEED_STRIDE = 1000


@dataclasses.dataclass(frozen=True)
class SmallSetTraining:
  """The step recipe of every small set (distilled, random or imported), applied by
  `run_fn` to the number of images it reads: `steps` optimiser steps at a batch of
  min(images, batch_size) (times the replicas), a learning rate that is constant or
  warms up linearly over `warmup_fraction` of the steps and then decays to 0 along a
  cosine, random shifts of up to `max_shift` pixels, gradients clipped to norm
  `clip_norm`, the network's dropout at `dropout`. Steps, not epochs, are what a set of
  any size is given.

  The defaults were chosen by time to accuracy (bench/README.md, "short_training"):
  batch 10, Adam 3e-3 and no dropout take the full train split itself to 95% on the
  bundled digits in ~2,100 images processed, where batch 256, 1e-3 and dropout .4
  need ~26,000; the same rule serves random, distilled and full_same_steps alike."""
  steps: int = option(300, '--small-steps', 'optimiser steps on every small set '
                      '(distilled, random or imported), whatever its size')
  batch_size: int = option(10, '--small-batch-size',
                           'largest batch on small sets: N images train at min(N, this)')
  learning_rate: float = option(3e-3, '--small-lr', 'peak learning rate on small sets')
  schedule: str = option('cosine', '--small-schedule',
                         'learning rate on small sets: constant, or cosine (linear '
                         'warm-up, then cosine decay to 0)', SCHEDULES)
  warmup_fraction: float = 0.1  # of the steps, for the cosine schedule
  max_shift: int = option(2, '--small-shift', 'random shifts of small-set images by up '
                          'to this many pixels (0: none)')
  clip_norm: float = 0.0  # clip each gradient to this norm (0: no clipping)
  dropout: float = option(0.0, '--small-dropout',
                          'dropout rate of the network on small sets (the full set keeps '
                          "the architecture's own)")
  # A small set trains in seconds, so its Trainer trains it `seeds` times (seeds
  # seed, seed + SEED_STRIDE, ...): the first model is exported, evaluated by TFMA and
  # pushed; the others are measured on the eval split, and the report gives the
  # accuracy's mean and spread over all of them (trainer/task.py `other_seeds`).
  seeds: int = option(1, '--small-seeds',
                      'train every small set (and the full data at equal work) this many '
                      'times in its Trainer, each with its own seed: the first model is '
                      'the one evaluated and pushed, the report gives the mean and '
                      'spread over all (3 in the demo)')

  def validate(self) -> 'SmallSetTraining':
    check(self.steps >= 1, f'small_sets.steps must be >= 1, got {self.steps}')
    check(self.batch_size >= 1,
          f'small_sets.batch_size must be >= 1, got {self.batch_size}')
    check(self.learning_rate > 0,
          f'small_sets.learning_rate must be > 0, got {self.learning_rate}')
    check(self.schedule in SCHEDULES,
          f'small_sets.schedule must be one of {SCHEDULES}, got {self.schedule!r}')
    check(0.0 <= self.warmup_fraction < 1.0,
          f'small_sets.warmup_fraction must be in [0, 1), got {self.warmup_fraction}')
    check(0 <= self.max_shift <= 14,
          f'small_sets.max_shift must be in 0..14 pixels, got {self.max_shift}')
    check(self.clip_norm >= 0, f'small_sets.clip_norm must be >= 0, got {self.clip_norm}')
    check(0.0 <= self.dropout < 1.0,
          f'small_sets.dropout must be in [0, 1), got {self.dropout}')
    check(self.seeds >= 1, f'small_sets.seeds must be >= 1, got {self.seeds}')
    return self

  def once(self) -> 'SmallSetTraining':
    """This recipe, trained with one seed."""
    return dataclasses.replace(self, seeds=1)

  def settings_for(self, full: 'TrainSettings') -> 'TrainSettings':
    """The settings of a run on a small set, from the full model's: the same network,
    loss, strategy and seed, trained with this recipe. The full set's own fields
    (FULL_SET_ONLY) are left at their defaults, so that changing them (e.g. --epochs)
    does not change, and re-run, the small sets' Trainers."""
    defaults = TrainSettings()
    return dataclasses.replace(full, small_set=self, dropout=self.dropout, **{
        name: getattr(defaults, name) for name in FULL_SET_ONLY})


@dataclasses.dataclass(frozen=True)
class TrainSettings:
  """One training run; dropout and width None mean the architecture's own. Without
  `small_set` these are the full-data model's settings (epochs with early stopping);
  with it, the run follows that step recipe (SmallSetTraining.settings_for)."""
  architecture: str = option('seed_cnn', '--architecture',
                             "seed_cnn (the seed notebook's CNN) or kip_convnet",
                             ARCHITECTURES)
  label_loss: str = option('mse', '--label-loss',
                           'loss on learned KIP label vectors (plain labels train with ce)',
                           LABEL_LOSSES)
  epochs: int = option(30, '--epochs', 'most epochs on the full train split (early '
                       'stopping on the valid split usually ends it sooner)')
  patience: int = option(3, '--patience', 'full train split: stop after this many '
                         'epochs without a lower valid loss and keep the best epoch\'s '
                         'weights (0: no early stopping)')
  batch_size: int = 250  # global batch at one replica (see trainer/strategy.py)
  learning_rate: float = 1e-3
  dropout: Optional[float] = None
  width: Optional[int] = None
  clip_images: bool = True  # clip training images to the valid pixel range [0, 1]
  max_shift: int = 0  # random shifts of the full set's images, in pixels (0: none)
  strategy: str = option('auto', '--strategy', 'tf.distribute strategy', STRATEGIES)
  seed: int = 0
  scale_batch_with_replicas: bool = True
  verbose: int = 0  # Keras' own fit output; progress lines go to stderr regardless
  small_set: Optional[SmallSetTraining] = None  # the step recipe of a small set
  label: str = ''  # what the progress lines call the run (the pipeline: its node id)

  def validate(self) -> 'TrainSettings':
    """Raises ConfigError naming the first bad value; returns self."""
    check(self.architecture in ARCHITECTURES,
          f'train.architecture must be one of {ARCHITECTURES}, got {self.architecture!r}')
    check(self.label_loss in LABEL_LOSSES,
          f'train.label_loss must be one of {LABEL_LOSSES}, got {self.label_loss!r}')
    check(self.strategy in STRATEGIES,
          f'train.strategy must be one of {STRATEGIES}, got {self.strategy!r}')
    check(self.epochs >= 1, f'train.epochs must be >= 1, got {self.epochs}')
    check(self.patience >= 0, f'train.patience must be >= 0, got {self.patience}')
    check(self.batch_size >= 1, f'train.batch_size must be >= 1, got {self.batch_size}')
    check(self.learning_rate > 0,
          f'train.learning_rate must be > 0, got {self.learning_rate}')
    check(self.dropout is None or 0.0 <= self.dropout < 1.0,
          f'train.dropout must be in [0, 1), got {self.dropout}')
    check(self.width is None or self.width >= 1,
          f'train.width must be >= 1, got {self.width}')
    check(0 <= self.max_shift <= 14,
          f'train.max_shift must be in 0..14 pixels, got {self.max_shift}')
    if self.small_set is not None:
      self.small_set.validate()
    return self

  def to_custom_config(self) -> Dict[str, Any]:
    """The Trainer's custom_config: every field, JSON-ready (the recipe as a dict)."""
    return dataclasses.asdict(self)


def from_config(custom_config: Optional[Mapping[str, Any]],
                hyperparameters: Any = None) -> TrainSettings:
  """Settings from a custom_config dict, overridden by tuned hyperparameters."""
  values = {**(custom_config or {}), **tuned_values(hyperparameters)}
  return from_dict(TrainSettings, values, 'train').validate()


def tuned_values(hyperparameters: Any) -> dict:
  """learning_rate / dropout / width from a Tuner's best hyperparameters, if any."""
  if hyperparameters is None:
    return {}
  if isinstance(hyperparameters, Mapping):
    # HyperParameters.get_config() has 'space' and 'values'; else a dict of values.
    hyperparameters = hyperparameters.get('values', hyperparameters)
  else:
    hyperparameters = hyperparameters.values  # a keras_tuner.HyperParameters
  return {key: hyperparameters[key] for key in TUNED
          if hyperparameters.get(key) is not None}


def from_fn_args(fn_args) -> TrainSettings:
  """Settings of a TFX Trainer or Tuner run."""
  return from_config(fn_args.custom_config, getattr(fn_args, 'hyperparameters', None))
