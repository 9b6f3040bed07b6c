"""The one rule that turns a run's settings and the size of the set it reads into a
training plan: how many optimiser steps at which batch, with which learning rate,
shifts and clipping, and whether to stop early on the valid split.

`run_fn` and `tuner_fn` call `plan_for` with the number of examples they actually
read, so a distilled set, a random subset and an imported `--kip-set` file of any size
follow the same rule; nothing upstream computes epochs for a set it has not seen.

- small set (settings.small_set): `steps` optimiser steps at a global batch of
  min(images, batch_size x replicas), drawn from the set reshuffled every pass; the
  history and the progress lines have one point per chunk of about steps/20 steps;
- full set: epochs of ceil(images / batch) steps, at most `epochs`, early stopping on
  the valid loss after `patience` epochs without improvement (best weights restored).

TrainArgs.num_steps (fn_args.train_steps), when given, replaces the step count of
either regime: a small set trains exactly that many steps, the full set stops after
that many steps (or earlier, by early stopping).
"""

import math
from typing import NamedTuple, Optional, Union

import keras

from tfx_distill.contracts.errors import check
from tfx_distill.trainer.settings import TrainSettings

SMALL, FULL = 'steps', 'epochs'  # the two regimes
HISTORY_POINTS = 20  # chunks of a small set's steps (one history entry each)
VALID_MONITOR = 'val_loss'


class Plan(NamedTuple):
  """How one run trains."""
  regime: str  # SMALL or FULL
  images: int  # training examples read
  batch_size: int  # global
  steps: Optional[int]  # total optimiser steps (None: epochs decide, FULL only)
  epochs: int  # Keras epochs at most (SMALL: chunks)
  steps_per_epoch: int  # optimiser steps per Keras epoch (chunk)
  repeat: bool  # the dataset cycles forever (SMALL): batches cross set boundaries
  learning_rate: float  # the peak (or constant) rate
  schedule: str  # 'constant' or 'cosine'
  warmup_steps: int
  max_shift: int  # pixels
  clip_norm: float  # 0: none
  patience: int  # early stopping on the valid loss (0: none; SMALL: always 0)

  def to_record(self) -> dict:
    return self._asdict()


def plan_for(settings: TrainSettings, images: int, replicas: int = 1,
             train_steps: Optional[int] = None) -> Plan:
  """The plan of a run on `images` examples with `replicas` in sync (see the module
  docstring). train_steps: TrainArgs.num_steps, or None."""
  check(images >= 1, 'the training set is empty')
  check(train_steps is None or train_steps >= 1,
        f'TrainArgs.num_steps must be >= 1, got {train_steps}')
  scale = replicas if settings.scale_batch_with_replicas else 1
  recipe = settings.small_set
  if recipe is not None:
    batch = min(images, recipe.batch_size * scale)
    steps = train_steps or recipe.steps
    chunk = max(1, math.ceil(steps / HISTORY_POINTS))
    warmup = (int(round(recipe.warmup_fraction * steps))
              if recipe.schedule == 'cosine' else 0)
    return Plan(SMALL, images, batch, steps, math.ceil(steps / chunk), chunk, True,
                recipe.learning_rate, recipe.schedule, warmup, recipe.max_shift,
                recipe.clip_norm, 0)
  batch = settings.batch_size * scale
  per_epoch = math.ceil(images / batch)
  epochs = settings.epochs if train_steps is None else math.ceil(train_steps / per_epoch)
  return Plan(FULL, images, batch, train_steps, epochs, per_epoch, False,
              settings.learning_rate, 'constant', 0, settings.max_shift, 0.0,
              settings.patience)


Rate = Union[float, keras.optimizers.schedules.LearningRateSchedule]


def learning_rate(plan: Plan) -> Rate:
  """The optimiser's learning rate: constant, or linear warm-up to the peak then a
  cosine decay to 0 at the last step."""
  if plan.schedule == 'constant':
    return plan.learning_rate
  warmup = min(plan.warmup_steps, plan.steps - 1)
  return keras.optimizers.schedules.CosineDecay(
      initial_learning_rate=0.0 if warmup else plan.learning_rate,
      decay_steps=max(1, plan.steps - warmup), alpha=0.0,
      warmup_target=plan.learning_rate if warmup else None, warmup_steps=warmup)


def images_processed(plan: Plan, steps_done: int) -> int:
  """Images the optimiser saw: steps x batch for a small set (every batch is full);
  whole passes plus the steps of a partial one for the full set."""
  if plan.repeat:
    return steps_done * plan.batch_size
  full_epochs, extra_steps = divmod(steps_done, plan.steps_per_epoch)
  return full_epochs * plan.images + min(plan.images, extra_steps * plan.batch_size)
