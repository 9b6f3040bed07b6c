"""The one training core: a set of examples, the run's settings and its plan in, a
trained model and what its training did out. `run_fn` (trainer/task.py) and the
short_training bench (bench/short_training.py) both train through `fit`, so that the
bench measures the product's training, not a copy of it; the Tuner's trials share its
pieces (`build_model`, `training_batches`, `validation_batches`, `early_stopping`,
trainer/tuner.py says why not `fit` itself).

`fit`, in this order (the order is part of the result: the same seed gives the same
numbers only if the random draws happen in the same sequence):

1. seeds Python, NumPy, TensorFlow and Keras with `settings.seed`;
2. batches the examples as the plan says (trainer/data.py `batches`: shuffled with
   the seed, a small set's steps cycling through it, its random shifts);
3. builds and compiles the network under the strategy (trainer/model.py), with the
   plan's learning rate (trainer/recipe.py) and the settings' dropout and width;
4. when the plan stops early (the full set with `patience`), validates on the valid
   split every epoch and keeps the best epoch's weights;
5. when given the eval split's images, records the learning curve on them
   (trainer/curve.py), its passes kept out of the fit time;
6. runs `model.fit`, timed without its validation passes (trainer/timing.py),
   stopped after the plan's step count when it has one.

Examples are unbatched `(image (28, 28, 1) float32, label int64, label_vector (10,)
float32)` elements whose count is known: what trainer/inputs.py reads through the
Trainer's data_accessor, or `examples_from_arrays` of in-memory arrays.
"""

from typing import NamedTuple, Optional, Sequence, Tuple

import keras
import numpy as np
import tensorflow as tf
from absl import logging

from tfx_distill.contracts.example_format import plain_label_vectors
from tfx_distill.trainer import data, model as model_lib, recipe
from tfx_distill.trainer.curve import EvalCurve, accuracy
from tfx_distill.trainer.settings import TrainSettings
from tfx_distill.trainer.timing import EpochTimer, FitTimes, timed_fit

EvalImages = Tuple[np.ndarray, np.ndarray]  # images (N, 28, 28, 1), labels (N,)


class FitResult(NamedTuple):
  """What one `fit` produced."""
  model: keras.Model  # trained (the best epoch's weights when it stopped early)
  times: FitTimes  # history, wall and CPU seconds, optimiser steps
  plan: recipe.Plan
  stopper: Optional[keras.callbacks.EarlyStopping]  # None: no early stopping
  curve: Optional[dict]  # the learning curve's record (training.json's eval_curve)

  @property
  def epochs_run(self) -> int:
    return len(self.times.epoch_seconds)

  @property
  def images_processed(self) -> int:
    return recipe.images_processed(self.plan, self.times.steps)

  def stopping_record(self) -> Optional[dict]:
    """What early stopping did, for training.json (None for a small set)."""
    return stopping_record(self.stopper, self.epochs_run, self.plan)


def examples_from_arrays(images: np.ndarray, labels: np.ndarray,
                         label_vectors: np.ndarray) -> tf.data.Dataset:
  """`fit`'s examples from in-memory arrays: images (N, 28, 28, 1) in pixel/255
  space, labels (N,), label vectors (N, 10)."""
  return tf.data.Dataset.from_tensor_slices(
      (np.asarray(images, np.float32), np.asarray(labels, np.int64),
       np.asarray(label_vectors, np.float32)))


def training_batches(examples: tf.data.Dataset, label_loss: str, plan: recipe.Plan,
                     seed: int) -> tf.data.Dataset:
  """The (images, targets) batches the plan trains on: shuffled with the seed, cycling
  through a small set, shifted by up to the plan's pixels."""
  return data.batches(examples, label_loss, plan.batch_size, shuffle=True, seed=seed,
                      max_shift=plan.max_shift, repeat=plan.repeat)


def validation_batches(valid: tf.data.Dataset, label_loss: str, plan: recipe.Plan,
                       seed: int) -> tf.data.Dataset:
  """The valid split as (images, targets) batches, in file order (Keras validation)."""
  return data.batches(valid, label_loss, plan.batch_size, shuffle=False, seed=seed)


def build_model(settings: TrainSettings, label_loss: str, plan: recipe.Plan,
                **tuned) -> keras.Model:
  """The compiled network of a run: the settings' architecture, dropout and width, the
  plan's learning rate (or schedule) and gradient clipping. `tuned` (learning_rate,
  dropout, width) replaces those values (a Tuner trial's). Call it under the
  strategy's scope."""
  values = {'learning_rate': recipe.learning_rate(plan), 'dropout': settings.dropout,
            'width': settings.width, **tuned}
  return model_lib.build_model(settings.architecture, label_loss,
                               values['learning_rate'], values['dropout'],
                               values['width'], plan.clip_norm)


def early_stopping(plan: recipe.Plan, restore_best_weights: bool = True
                   ) -> Optional[keras.callbacks.EarlyStopping]:
  """Keras early stopping on the valid loss after the plan's patience (the best
  weights restored), or None when the plan does not stop early (a small set, or
  patience 0)."""
  if plan.regime != recipe.FULL or plan.patience < 1:
    return None
  return keras.callbacks.EarlyStopping(monitor=recipe.VALID_MONITOR, patience=plan.patience,
                                       restore_best_weights=restore_best_weights)


def stopping_record(stopper: Optional[keras.callbacks.EarlyStopping], epochs_run: int,
                    plan: recipe.Plan) -> Optional[dict]:
  """What early stopping did, for training.json (None for a small set)."""
  if plan.regime != recipe.FULL:
    return None
  return {'monitor': recipe.VALID_MONITOR, 'patience': plan.patience,
          'max_epochs': plan.epochs, 'epochs_run': epochs_run,
          'best_epoch': None if stopper is None else stopper.best_epoch + 1,
          'best_value': None if stopper is None else float(stopper.best),
          'stopped_early': bool(stopper is not None and stopper.stopped_epoch > 0),
          'restored_best_weights': stopper is not None}


def fit(examples: tf.data.Dataset, label_loss: str, settings: TrainSettings,
        plan: recipe.Plan, *, strategy: Optional[tf.distribute.Strategy] = None,
        valid: Optional[tf.data.Dataset] = None, curve: Optional[EvalImages] = None,
        callbacks: Sequence[keras.callbacks.Callback] = ()) -> FitResult:
  """Trains one network on `examples` (see the module docstring).

  label_loss: the loss the targets are for (trainer/model.py `loss_for`); plan: from
  `recipe.plan_for` on these examples; strategy: the distribution strategy (default:
  the current one); valid: the valid split's unbatched examples, required when the
  plan stops early and otherwise unused; curve: the eval split's images and labels for
  the learning curve, or None; callbacks: more Keras callbacks (progress lines), run
  after the early stopping and the curve."""
  size = int(tf.data.experimental.cardinality(examples))
  if size >= 0 and size != plan.images:
    raise ValueError(f'the plan is for {plan.images} examples, the set has {size}')
  strategy = strategy or tf.distribute.get_strategy()
  keras.utils.set_random_seed(settings.seed)
  dataset = training_batches(examples, label_loss, plan, settings.seed)
  with strategy.scope():
    model = build_model(settings, label_loss, plan)
  stopper = early_stopping(plan)
  if stopper is not None and valid is None:
    raise ValueError(f'the plan stops early on the valid split (patience {plan.patience}):'
                     ' give fit the valid examples')
  validation = (validation_batches(valid, label_loss, plan, settings.seed)
                if stopper is not None else None)
  timer = EpochTimer()
  recorder = None
  if curve is not None:
    last = recipe.images_processed(plan, plan.steps or plan.epochs * plan.steps_per_epoch)
    recorder = EvalCurve(*curve, last, lambda steps: recipe.images_processed(plan, steps),
                         timer.fit_seconds, timer.exclude)
  times = timed_fit(model, dataset, plan.epochs, settings.verbose,
                    steps_per_epoch=plan.steps_per_epoch if plan.repeat else None,
                    max_steps=plan.steps, validation_data=validation,
                    callbacks=[c for c in (stopper, recorder, *callbacks) if c is not None],
                    timer=timer)
  result = FitResult(model, times, plan, stopper,
                     None if recorder is None else recorder.to_record())
  logging.info('fit: %d steps (%d epochs) on %d examples in %.2f s (%s, %d replicas)',
               times.steps, result.epochs_run, plan.images, times.seconds,
               type(strategy).__name__, strategy.num_replicas_in_sync)
  return result


def train_arrays(images01: np.ndarray, vectors: np.ndarray, eval_images: np.ndarray,
                 eval_labels: np.ndarray, settings: TrainSettings,
                 record_curve: bool = True) -> dict:
  """Trains one network on a set held in memory (images (N, 28, 28) in [0, 1], label
  vectors (N, 10)) through `fit`, as run_fn does (the loss its labels call for, the
  plan on its size), and records its learning curve on the eval images (or, with
  `record_curve=False`, measures the end only); returns the record's essentials:
  accuracy (the curve's end), images processed, fit seconds, steps, batch size, loss,
  the curve ([] without one). The transfer component and the benches train with it."""
  plain = bool(np.allclose(vectors, plain_label_vectors(np.argmax(vectors, axis=1)),
                           atol=data.PLAIN_TOLERANCE))
  loss = model_lib.loss_for(settings.label_loss, plain)
  images = np.clip(images01, 0.0, 1.0)[..., None].astype(np.float32)
  plan = recipe.plan_for(settings, len(images))
  examples = examples_from_arrays(images, np.argmax(vectors, axis=1), vectors)
  eval_images = np.asarray(eval_images, np.float32)[..., None]
  trained = fit(examples, loss, settings, plan,
                curve=(eval_images, eval_labels) if record_curve else None)
  points = trained.curve['points'] if record_curve else []
  end = points[-1]['accuracy'] if record_curve else accuracy(
      trained.model, eval_images, eval_labels)
  return {'accuracy': end,
          'images_processed': trained.images_processed,
          'fit_seconds': trained.times.seconds, 'steps': trained.times.steps,
          'batch_size': plan.batch_size, 'loss': loss, 'curve': points}
