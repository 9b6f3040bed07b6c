"""`run_fn` of the TFX generic Trainer:
`Trainer(run_fn='tfx_distill.trainer.task.run_fn', schema=..., ...)`.

One call trains one model with one seed on the Examples in `fn_args.train_files`,
read through `fn_args.data_accessor` with SchemaGen's schema (trainer/inputs.py, which
also says which standard Trainer arguments are honoured), under the strategy the
settings name (trainer/settings.py), and:

- plans the run on the number of examples it read (trainer/recipe.py): a small set's
  step recipe, or epochs with early stopping on the `valid` split (`fn_args.eval_files`)
  and the best epoch's weights restored for the full set;
- times `fit` alone, wall and CPU seconds, its validation passes apart (the first
  epoch includes tracing), and prints progress lines on stderr (trainer/progress.py);
- when its eval files include the `eval` split, records the learning curve: accuracy
  on it at fixed points of images processed (trainer/curve.py), for the report only,
  its passes kept out of the fit time;
- fits the temperature of the model's outputs on the valid split and measures ECE
  before and after (trainer/calibration.py);
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

import keras
import tensorflow as tf
from absl import logging

from tfx_distill.contracts import model_format
from tfx_distill.trainer import calibration, data, export, inputs, model as model_lib
from tfx_distill.trainer import recipe, settings as settings_lib, strategy as strategy_lib
from tfx_distill.trainer.progress import TrainingProgress, run_label
from tfx_distill.trainer.tensorboard import write_tensorboard
from tfx_distill.trainer.curve import EvalCurve
from tfx_distill.trainer.timing import EpochTimer, timed_fit

PREDICT_BATCH = 1000


def early_stopping(plan: recipe.Plan):
  """Keras early stopping on the valid loss with the best weights restored, or None."""
  if plan.regime != recipe.FULL or plan.patience < 1:
    return None
  return keras.callbacks.EarlyStopping(monitor=recipe.VALID_MONITOR, patience=plan.patience,
                                       restore_best_weights=True)


def stopping_record(stopper, epochs_run: int, plan: recipe.Plan):
  """What early stopping did, for training.json (None for a small set)."""
  if plan.regime != recipe.FULL:
    return None
  return {'monitor': recipe.VALID_MONITOR, 'patience': plan.patience,
          'max_epochs': plan.epochs, 'epochs_run': epochs_run,
          'best_epoch': None if stopper is None else stopper.best_epoch + 1,
          'best_value': None if stopper is None else float(stopper.best),
          'stopped_early': bool(stopper is not None and stopper.stopped_epoch > 0),
          'restored_best_weights': stopper is not None}


def valid_logits(model: keras.Model, valid: tf.data.Dataset, label_loss: str):
  """(logits (N, 10), labels (N,)) of the valid split, in file order. The model is
  called directly, batch by batch, on this worker (no collective ops: every worker of
  a cluster computes the same values)."""
  images, labels, _ = data.arrays(valid)
  outputs = [model(images[start:start + PREDICT_BATCH], training=False)
             for start in range(0, len(images), PREDICT_BATCH)]
  return model_lib.logits(tf.concat(outputs, 0), label_loss).numpy(), labels


def run_fn(fn_args) -> None:
  """Trains, calibrates, exports and records one model (see the module docstring)."""
  settings = settings_lib.from_fn_args(fn_args)
  # Multi-worker collectives must be configured before any other TF op runs.
  strategy = strategy_lib.choose_strategy(settings.strategy)
  keras.utils.set_random_seed(settings.seed)

  run = inputs.training_input(fn_args, settings, strategy,
                              getattr(fn_args, 'train_steps', None))
  plan = run.plan
  with strategy.scope():
    model = model_lib.build_model(settings.architecture, run.label_loss,
                                  recipe.learning_rate(plan), settings.dropout,
                                  settings.width, plan.clip_norm)
  stopper = early_stopping(plan)
  validation = (inputs.valid_batches(run.valid, run.label_loss, plan.batch_size,
                                     settings.seed) if stopper is not None else None)
  progress = TrainingProgress(plan, run_label(settings.label))
  timer = EpochTimer()
  curve = None
  if run.curve is not None:
    last = recipe.images_processed(plan, plan.steps or plan.epochs * plan.steps_per_epoch)
    curve = EvalCurve(*run.curve, last, lambda steps: recipe.images_processed(plan, steps),
                      timer.fit_seconds, timer.exclude)
  times = timed_fit(model, run.dataset, plan.epochs, settings.verbose,
                    steps_per_epoch=plan.steps_per_epoch if plan.repeat else None,
                    max_steps=plan.steps, validation_data=validation,
                    callbacks=[c for c in (stopper, curve, progress) if c is not None],
                    timer=timer)
  epochs_run = len(times.epoch_seconds)
  logging.info('fit: %d steps (%d epochs) on %d examples in %.2f s (%s, %d replicas)',
               times.steps, epochs_run, run.summary.examples, times.seconds,
               type(strategy).__name__, strategy.num_replicas_in_sync)
  logits, labels = valid_logits(model, run.valid, run.label_loss)
  calibrated = calibration.calibrate(logits, labels)
  logging.info('calibration on %d valid images: T %.4g, ECE %.4f -> %.4f',
               calibrated.valid_images, calibrated.temperature,
               calibrated.valid_ece_before, calibrated.valid_ece_after)

  if not strategy_lib.is_chief(strategy):
    task_type, task_id = strategy_lib.task(strategy)
    temp_dir = tempfile.mkdtemp(prefix=f'workertemp_{task_type}_{task_id}_')
    try:
      export.export_serving_model(model, run.label_loss, calibrated.temperature,
                                  temp_dir)
    finally:
      shutil.rmtree(temp_dir, ignore_errors=True)
    return
  export.export_serving_model(model, run.label_loss, calibrated.temperature,
                              fn_args.serving_model_dir)
  processed = recipe.images_processed(plan, times.steps)
  run_record = {
      'images': run.summary.examples,
      'optimizer_steps': times.steps,
      'images_processed': processed,
      'passes': processed / run.summary.examples,
      'epochs_run': epochs_run,
      'regime': plan.regime,
      'plan': plan.to_record(),
      'train_steps_arg': getattr(fn_args, 'train_steps', None),
      'fit_seconds': times.seconds,
      'fit_cpu_seconds': times.cpu_seconds,
      'validation_seconds': times.validation_seconds,
      'epoch_seconds': times.epoch_seconds,
      'epoch_cpu_seconds': times.epoch_cpu_seconds,
      'history': times.history,
      'early_stopping': stopping_record(stopper, epochs_run, plan),
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
      'params': model.count_params(),
      'eval_curve': None if curve is None else curve.to_record(),
  }
  model_format.write_record(fn_args.model_run_dir, run_record)
  write_tensorboard(fn_args.model_run_dir, times.history, times.epoch_seconds)
