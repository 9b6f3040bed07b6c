"""What a Trainer or Tuner run is given (TFX `FnArgs`), checked and turned into data.

The standard Trainer arguments, honoured or refused with a message:

- `examples` splits (TrainArgs.splits / EvalArgs.splits -> train_files / eval_files):
  read through `fn_args.data_accessor` with the schema. The eval files are the `valid`
  split (early stopping, calibration, the Tuner's objective), and may add TFMA's `eval`
  split (EvalArgs(splits=['valid', 'eval'])), which is then read for the learning curve
  alone (trainer/curve.py: reported, never used to select, stop or bless); eval files
  without the valid split are refused;
- `schema` (schema_path): required, checked (trainer/schema.py);
- TrainArgs.num_steps (train_steps): replaces the plan's step count (trainer/recipe.py);
- EvalArgs.num_steps (eval_steps): refused, the whole valid split is used;
- `base_model` and `transform_graph`: refused (no warm start, no Transform here);
- `hyperparameters`: tuned values (trainer/settings.py); `custom_config`: the settings.
"""

import re
from typing import List, NamedTuple, Optional, Tuple

import numpy as np
import tensorflow as tf

from tfx_distill.contracts.errors import ConfigError
from tfx_distill.contracts.example_format import EVAL
from tfx_distill.trainer import data, model as model_lib, recipe
from tfx_distill.trainer.schema import load_schema
from tfx_distill.trainer.settings import TrainSettings

EVAL_SPLIT = re.compile(rf'(^|/)Split-{EVAL}(/|$)')


def check_fn_args(fn_args) -> None:
  """Raises ConfigError for a standard argument this trainer cannot honour."""
  if getattr(fn_args, 'eval_steps', None):
    raise ConfigError(f'EvalArgs.num_steps={fn_args.eval_steps} is not supported: '
                      'early stopping and calibration use the whole valid split')
  if getattr(fn_args, 'base_model', None):
    raise ConfigError('Trainer(base_model=...) is not supported: every model trains '
                      'from its seed')
  if getattr(fn_args, 'transform_graph_path', None):
    raise ConfigError('Trainer(transform_graph=...) is not supported: the trainer reads '
                      'the examples as they are')
  valid, curve = split_eval_files(fn_args.eval_files)
  if not valid:
    raise ConfigError('the Trainer has no valid split among its eval files '
                      f"({list(fn_args.eval_files or [])}): give it EvalArgs(splits="
                      "['valid']), with 'eval' after it for the learning curve")


def split_eval_files(patterns) -> Tuple[List[str], List[str]]:
  """(the valid split's patterns, the eval split's): early stopping and calibration
  read the first, the learning curve alone the second."""
  patterns = list(patterns or [])
  curve = [p for p in patterns if EVAL_SPLIT.search(p)]
  return [p for p in patterns if p not in curve], curve


class TrainingInput(NamedTuple):
  """A run's data, ready for trainer/fit.py `fit`, and the plan it trains with."""
  examples: tf.data.Dataset  # unbatched (image, label, label_vector) of the train split
  valid: tf.data.Dataset  # unbatched (image, label, label_vector) of the valid split
  curve: Optional[Tuple[np.ndarray, np.ndarray]]  # eval images and labels, or None
  summary: data.Summary
  label_loss: str  # the loss the targets are for (trainer/model.py loss_for)
  plan: recipe.Plan


def training_input(fn_args, settings: TrainSettings, strategy,
                   train_steps: Optional[int] = None) -> TrainingInput:
  """Checks the arguments, reads the train and valid splits with the schema, sizes
  the train split and plans the run on its actual number of examples (`fit` batches
  them as the plan says)."""
  check_fn_args(fn_args)
  schema = load_schema(fn_args.schema_path)
  examples = data.read_examples(fn_args.train_files, fn_args.data_accessor, schema,
                                settings.clip_images)
  summary = data.summarise(examples)
  examples = data.with_size(examples, summary)
  label_loss = model_lib.loss_for(settings.label_loss, summary.plain_labels)
  plan = recipe.plan_for(settings, summary.examples, strategy.num_replicas_in_sync,
                         train_steps)
  valid_files, curve_files = split_eval_files(fn_args.eval_files)
  valid = data.read_examples(valid_files, fn_args.data_accessor, schema, clip_images=False)
  valid = data.with_size(valid, data.summarise(valid))
  curve = None
  if curve_files:
    images, labels, _ = data.arrays(data.read_examples(
        curve_files, fn_args.data_accessor, schema, clip_images=False))
    curve = (images, labels)
  return TrainingInput(examples, valid, curve, summary, label_loss, plan)
