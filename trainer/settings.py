"""What one training run needs, read from a TFX Trainer's FnArgs.

`fn_args.custom_config` carries the keys of TrainerSettings (as pipeline.config's
TrainConfig names them: epochs, batch_size, learning_rate, architecture, label_loss,
clip_images, strategy, seed; plus dropout, width, scale_batch_with_replicas, verbose).
Other keys, such as the Vertex extension's, are ignored. When a Tuner's best
hyperparameters are wired to the Trainer, `fn_args.hyperparameters` holds them (the
keras-tuner `HyperParameters.get_config()` dict, or a plain dict of values) and its
learning_rate, dropout and width override the custom_config.
"""

import dataclasses
from typing import Any, Mapping, Optional

from pipeline.config import ARCHITECTURES, LABEL_LOSSES, STRATEGIES

TUNED = ('learning_rate', 'dropout', 'width')


@dataclasses.dataclass(frozen=True)
class TrainerSettings:
  """One run's settings; dropout and width None mean the architecture's own."""
  architecture: str = 'seed_cnn'
  label_loss: str = 'mse'  # for learned label vectors; plain labels train with 'ce'
  epochs: int = 1
  batch_size: int = 250  # global batch at one replica (see trainer/strategy.py)
  learning_rate: float = 1e-3
  dropout: Optional[float] = None
  width: Optional[int] = None
  clip_images: bool = True
  augment: bool = False  # random shifts of the training images (trainer/data.py)
  strategy: str = 'auto'
  seed: int = 0
  scale_batch_with_replicas: bool = True
  verbose: int = 2

  def validate(self) -> 'TrainerSettings':
    """Raises ValueError naming the first bad value; returns self."""
    checks = (
        (self.architecture in ARCHITECTURES,
         f'architecture must be one of {ARCHITECTURES}, got {self.architecture!r}'),
        (self.label_loss in LABEL_LOSSES,
         f'label_loss must be one of {LABEL_LOSSES}, got {self.label_loss!r}'),
        (self.strategy in STRATEGIES,
         f'strategy must be one of {STRATEGIES}, got {self.strategy!r}'),
        (self.epochs >= 1, f'epochs must be >= 1, got {self.epochs}'),
        (self.batch_size >= 1, f'batch_size must be >= 1, got {self.batch_size}'),
        (self.learning_rate > 0, f'learning_rate must be > 0, got {self.learning_rate}'),
        (self.dropout is None or 0.0 <= self.dropout < 1.0,
         f'dropout must be in [0, 1), got {self.dropout}'),
        (self.width is None or self.width >= 1, f'width must be >= 1, got {self.width}'),
    )
    for ok, message in checks:
      if not ok:
        raise ValueError(message)
    return self


def from_config(custom_config: Optional[Mapping[str, Any]],
                hyperparameters: Any = None) -> TrainerSettings:
  """Settings from a custom_config dict, overridden by tuned hyperparameters."""
  config = dict(custom_config or {})
  values = {}
  for field in dataclasses.fields(TrainerSettings):
    if config.get(field.name) is not None:
      values[field.name] = config[field.name]
  values.update(tuned_values(hyperparameters))
  casts = {'epochs': int, 'batch_size': int, 'learning_rate': float, 'seed': int,
           'verbose': int, 'clip_images': to_bool, 'scale_batch_with_replicas': to_bool,
           'augment': to_bool,
           'dropout': float, 'width': int, 'architecture': str, 'label_loss': str,
           'strategy': str}
  return TrainerSettings(**{key: casts[key](value) for key, value in values.items()}
                         ).validate()


def to_bool(value: Any) -> bool:
  """A JSON or command-line flag: true/false, 1/0, yes/no."""
  if isinstance(value, str):
    if value.lower() not in ('true', 'false', '1', '0', 'yes', 'no'):
      raise ValueError(f'expected a boolean, got {value!r}')
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


def from_fn_args(fn_args) -> TrainerSettings:
  """Settings of a TFX Trainer or Tuner run."""
  return from_config(fn_args.custom_config, getattr(fn_args, 'hyperparameters', None))
