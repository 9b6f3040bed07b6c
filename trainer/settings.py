"""How a model is trained: the Trainer's settings, defined once for the pipeline config,
the command line, the Trainer's custom_config and `run_fn`/`tuner_fn`.

`fn_args.custom_config` carries the fields of TrainSettings (`to_custom_config`); other
keys, such as the Vertex extension's or the Tuner's search budget, are ignored. When a
Tuner's best hyperparameters are wired to the Trainer, `fn_args.hyperparameters` holds
them (the keras-tuner `HyperParameters.get_config()` dict, or a plain dict of values)
and its learning_rate, dropout and width override the custom_config.
"""

import dataclasses
from typing import Any, Dict, Mapping, Optional

from tfx_distill.components.architectures import ARCHITECTURES
from tfx_distill.components.errors import check
from tfx_distill.components.options import option

LABEL_LOSSES = ('mse', 'ce')
STRATEGIES = ('auto', 'default', 'one_device', 'mirrored', 'multi_worker', 'tpu')
TUNED = ('learning_rate', 'dropout', 'width')


@dataclasses.dataclass(frozen=True)
class TrainSettings:
  """One training run; dropout and width None mean the architecture's own. In the
  pipeline config these are the full-data model's settings; small sets train with them
  as `SmallSetTraining.settings_for` changes them."""
  architecture: str = option('seed_cnn', '--architecture',
                             "seed_cnn (the seed notebook's CNN) or kip_convnet",
                             ARCHITECTURES)
  label_loss: str = option('mse', '--label-loss',
                           'loss on learned KIP label vectors (plain labels train with ce)',
                           LABEL_LOSSES)
  epochs: int = option(8, '--epochs', 'epochs on the full train split')
  batch_size: int = 250  # global batch at one replica (see trainer/strategy.py)
  learning_rate: float = 1e-3
  dropout: Optional[float] = None
  width: Optional[int] = None
  clip_images: bool = True  # clip images to the valid pixel range [0, 1]
  augment: bool = False  # random shifts of the training images (trainer/data.py)
  strategy: str = option('auto', '--strategy', 'tf.distribute strategy', STRATEGIES)
  seed: int = 0
  scale_batch_with_replicas: bool = True
  verbose: int = 2

  def validate(self) -> 'TrainSettings':
    """Raises ConfigError naming the first bad value; returns self."""
    check(self.architecture in ARCHITECTURES,
          f'train.architecture must be one of {ARCHITECTURES}, got {self.architecture!r}')
    check(self.label_loss in LABEL_LOSSES,
          f'train.label_loss must be one of {LABEL_LOSSES}, got {self.label_loss!r}')
    check(self.strategy in STRATEGIES,
          f'train.strategy must be one of {STRATEGIES}, got {self.strategy!r}')
    check(self.epochs >= 1, f'train.epochs must be >= 1, got {self.epochs}')
    check(self.batch_size >= 1, f'train.batch_size must be >= 1, got {self.batch_size}')
    check(self.learning_rate > 0,
          f'train.learning_rate must be > 0, got {self.learning_rate}')
    check(self.dropout is None or 0.0 <= self.dropout < 1.0,
          f'train.dropout must be in [0, 1), got {self.dropout}')
    check(self.width is None or self.width >= 1,
          f'train.width must be >= 1, got {self.width}')
    return self

  def to_custom_config(self) -> Dict[str, Any]:
    """The Trainer's custom_config: every field, JSON-ready."""
    return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class SmallSetTraining:
  """How small (distilled or imported) sets train: many more epochs than the full
  train split, fewer on larger small sets so that epochs x images stays within
  `max_passes` (probes: 300 epochs at 10 and 100 images, 100 at 500), and random shifts
  when `augment`."""
  epochs: int = option(300, '--distilled-epochs', 'epochs on small sets')
  max_passes: int = 50_000
  augment: bool = True

  def validate(self) -> 'SmallSetTraining':
    check(self.epochs >= 1, f'small_sets.epochs must be >= 1, got {self.epochs}')
    check(self.max_passes >= 1,
          f'small_sets.max_passes must be >= 1, got {self.max_passes}')
    return self

  def epochs_for(self, num_images: int) -> int:
    """Epochs on a small set of num_images."""
    return max(1, min(self.epochs, self.max_passes // num_images))

  def settings_for(self, full: TrainSettings, num_images: int) -> TrainSettings:
    """The settings of a run on a small set of num_images, from the full model's."""
    return dataclasses.replace(full, epochs=self.epochs_for(num_images),
                               augment=self.augment)


def from_config(custom_config: Optional[Mapping[str, Any]],
                hyperparameters: Any = None) -> TrainSettings:
  """Settings from a custom_config dict, overridden by tuned hyperparameters."""
  config = dict(custom_config or {})
  values = {}
  for field in dataclasses.fields(TrainSettings):
    if config.get(field.name) is not None:
      values[field.name] = config[field.name]
  values.update(tuned_values(hyperparameters))
  casts = {'epochs': int, 'batch_size': int, 'learning_rate': float, 'seed': int,
           'verbose': int, 'clip_images': to_bool, 'scale_batch_with_replicas': to_bool,
           'augment': to_bool, 'dropout': float, 'width': int, 'architecture': str,
           'label_loss': str, 'strategy': str}
  return TrainSettings(**{key: casts[key](value) for key, value in values.items()}
                       ).validate()


def to_bool(value: Any) -> bool:
  """A JSON or command-line flag: true/false, 1/0, yes/no."""
  if isinstance(value, str):
    check(value.lower() in ('true', 'false', '1', '0', 'yes', 'no'),
          f'expected a boolean, got {value!r}')
    return value.lower() in ('true', '1', 'yes')
  return bool(value)


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
