"""`run_fn` of the TFX generic Trainer:
`Trainer(run_fn='tfx_distill.trainer.task.run_fn', schema=..., ...)`.

One call trains one model with one seed on the Examples in `fn_args.train_files`,
read through `fn_args.data_accessor` with SchemaGen's schema (trainer/inputs.py, which
also says which standard Trainer arguments are honoured), under the strategy the
settings name (trainer/settings.py), and:

- plans the run on the number of examples it read (trainer/recipe.py): a small set's
  step recipe, or epochs with early stopping on the `valid` split (`fn_args.eval_files`)
  and the best epoch's weights restored for the full set;
- trains through the training core, trainer/fit.py `fit` (which the short_training
  bench trains through too): Keras `fit` timed alone, wall and CPU seconds, its
  validation passes apart (the first epoch includes tracing); when its eval files
  include the `eval` split, the learning curve: accuracy on it at fixed points of
  images processed (trainer/curve.py), for the report only, its passes kept out of
  the fit time; progress lines on stderr (trainer/progress.py);
- fits the temperature of the model's outputs on the valid split and measures ECE
  before and after (trainer/calibration.py);
- for a small set, trains it again with `small_set.seeds - 1` other seeds, the same
  plan, and measures each on the eval split (`other_seeds`; not exported: the spread
  of its accuracy, for the report);
- exports the calibrated model to `fn_args.serving_model_dir` (trainer/export.py);
- writes the training record `training.json` (contracts/model_format.py) and
  TensorBoard logs (trainer/tensorboard.py) to `fn_args.model_run_dir`.

Multi-worker: every worker trains and saves (saving may need all of them); only the
chief saves into serving_model_dir and writes the record, the others save into a
local temporary directory (never under an artifact) and remove it. On Vertex every
replica runs this through trainer/replica.py (ReplicaExecutor), which does not
expect a model from the replicas that are not the chief.
"""

import dataclasses
import shutil
import tempfile
from typing import List, Sequence

import keras
import tensorflow as tf
from absl import logging

from tfx_distill.contracts import model_format
from tfx_distill.trainer import calibration, data, export, fit as fit_lib, inputs
from tfx_distill.trainer import model as model_lib, settings as settings_lib
from tfx_distill.trainer import strategy as strategy_lib
from tfx_distill.trainer.progress import TrainingProgress, run_label
from tfx_distill.trainer.settings import TrainSettings
from tfx_distill.trainer.tensorboard import write_tensorboard

PREDICT_BATCH = 1000


def run_fn(fn_args) -> None:
  """Trains, calibrates, exports and records one model (see the module docstring)."""
  settings = settings_lib.from_fn_args(fn_args)
  # Multi-worker collectives must be configured before any other TF op runs.
  strategy = strategy_lib.choose_strategy(settings.strategy)
  run = inputs.training_input(fn_args, settings, strategy,
                              getattr(fn_args, 'train_steps', None))
  trained = train(run, settings, strategy)
  calibrated = calibrate(trained.model, run)
  others = other_seeds(run, settings, strategy)
  if not strategy_lib.is_chief(strategy):
    export_on_worker(trained.model, run.label_loss, calibrated.temperature, strategy)
    return
  export.export_serving_model(trained.model, run.label_loss, calibrated.temperature,
                              fn_args.serving_model_dir)
  record = training_record(run, settings, strategy, trained, calibrated,
                           getattr(fn_args, 'train_steps', None), others)
  model_format.write_record(fn_args.model_run_dir, record)
  write_tensorboard(fn_args.model_run_dir, trained.times.history,
                    trained.times.epoch_seconds)


def train(run: inputs.TrainingInput, settings: TrainSettings,
          strategy: tf.distribute.Strategy) -> fit_lib.FitResult:
  """The training core (trainer/fit.py) on the data read, with progress lines labelled
  by the run's label (a pipeline Trainer's node id)."""
  progress = TrainingProgress(run.plan, run_label(settings.label))
  return fit_lib.fit(run.examples, run.label_loss, settings, run.plan, strategy=strategy,
                     valid=run.valid, curve=run.curve, callbacks=[progress])


def other_seeds(run: inputs.TrainingInput, settings: TrainSettings,
                strategy: tf.distribute.Strategy) -> List[dict]:
  """A small set trained again, `small_set.seeds - 1` times, each with its own seed
  (seed + j * SEED_STRIDE) and the same plan, for the spread of its accuracy: per
  training its seed, fit seconds, images processed, accuracy on the eval split (its
  learning curve's end) and the curve. Nothing of them is exported. [] for the full
  set, one seed, or no eval split to measure them on (logged)."""
  repeats = settings.small_set.seeds if settings.small_set else 1
  if repeats < 2:
    return []
  if run.curve is None:
    logging.warning('small_set.seeds=%d: no eval split among the eval files to measure '
                    'the other seeds on; training one seed', repeats)
    return []
  results = []
  for j in range(1, repeats):
    changed = dataclasses.replace(settings, seed=settings.seed + j * settings_lib.SEED_STRIDE,
                                  label=f'{run_label(settings.label)}[{j + 1}/{repeats}]')
    again = train(run, changed, strategy)
    results.append({'seed': changed.seed, 'fit_seconds': again.times.seconds,
                    'images_processed': again.images_processed,
                    'accuracy': again.curve['points'][-1]['accuracy'],
                    'eval_curve': again.curve})
  return results


def calibrate(model: keras.Model, run: inputs.TrainingInput
              ) -> calibration.Calibration:
  """The temperature of the model's outputs, fitted on the valid split."""
  logits, labels = valid_logits(model, run.valid, run.label_loss)
  calibrated = calibration.calibrate(logits, labels)
  logging.info('calibration on %d valid images: T %.4g, ECE %.4f -> %.4f',
               calibrated.valid_images, calibrated.temperature,
               calibrated.valid_ece_before, calibrated.valid_ece_after)
  return calibrated


def valid_logits(model: keras.Model, valid: tf.data.Dataset, label_loss: str):
  """(logits (N, 10), labels (N,)) of the valid split, in file order. The model is
  called directly, batch by batch, on this worker (no collective ops: every worker of
  a cluster computes the same values)."""
  images, labels, _ = data.arrays(valid)
  outputs = [model(images[start:start + PREDICT_BATCH], training=False)
             for start in range(0, len(images), PREDICT_BATCH)]
  return model_lib.logits(tf.concat(outputs, 0), label_loss).numpy(), labels


def export_on_worker(model: keras.Model, label_loss: str, temperature: float,
                     strategy: tf.distribute.Strategy) -> None:
  """A worker that is not the chief saves too (saving may need every worker), into a
  local temporary directory that it then removes."""
  task_type, task_id = strategy_lib.task(strategy)
  temp_dir = tempfile.mkdtemp(prefix=f'workertemp_{task_type}_{task_id}_')
  try:
    export.export_serving_model(model, label_loss, temperature, temp_dir)
  finally:
    shutil.rmtree(temp_dir, ignore_errors=True)


def training_record(run: inputs.TrainingInput, settings: TrainSettings,
                    strategy: tf.distribute.Strategy, trained: fit_lib.FitResult,
                    calibrated: calibration.Calibration, train_steps,
                    others: Sequence[dict] = ()) -> dict:
  """training.json (contracts/model_format.py). train_steps: TrainArgs.num_steps;
  others: the set's trainings with its other seeds (`other_seeds`)."""
  plan, times = run.plan, trained.times
  processed = trained.images_processed
  return {
      'images': run.summary.examples,
      'optimizer_steps': times.steps,
      'images_processed': processed,
      'passes': processed / run.summary.examples,
      'epochs_run': trained.epochs_run,
      'regime': plan.regime,
      'plan': plan.to_record(),
      'train_steps_arg': train_steps,
      'fit_seconds': times.seconds,
      'fit_cpu_seconds': times.cpu_seconds,
      'validation_seconds': times.validation_seconds,
      'epoch_seconds': times.epoch_seconds,
      'epoch_cpu_seconds': times.epoch_cpu_seconds,
      'history': times.history,
      'early_stopping': trained.stopping_record(),
      'calibration': calibrated.to_record(),
      'plain_labels': run.summary.plain_labels,
      'label_loss': run.label_loss,
      'global_batch_size': plan.batch_size,
      'learning_rate': plan.learning_rate,
      'strategy': settings.strategy,
      'strategy_class': type(strategy).__name__,
      'replicas': strategy.num_replicas_in_sync,
      'workers': strategy_lib.num_workers(strategy),
      'seed': settings.seed,
      'architecture': settings.architecture,
      'dropout': (model_lib.DEFAULT_DROPOUT[settings.architecture]
                  if settings.dropout is None else settings.dropout),
      'width': (model_lib.DEFAULT_WIDTH[settings.architecture]
                if settings.width is None else settings.width),
      'clip_images': settings.clip_images,
      'small_set': (dataclasses.asdict(settings.small_set) if settings.small_set
                    else None),
      'params': trained.model.count_params(),
      'eval_curve': trained.curve,
      'other_seeds': list(others),
  }
