"""`run_fn` of the TFX generic Trainer:
`Trainer(run_fn='tfx_distill.trainer.task.run_fn', ...)`.

One call trains one model with one seed on the Examples in `fn_args.train_files`
(settings: trainer/settings.py), under the strategy the settings name, and:

- times `fit` alone, wall and CPU seconds (no validation inside it; the first epoch
  includes tracing);
- exports the model to `fn_args.serving_model_dir` (trainer/export.py);
- writes the training record `training.json` (components/model_format.py) and
  TensorBoard logs (trainer/tensorboard.py) to `fn_args.model_run_dir`.

Multi-worker: every worker trains and saves (saving may need all of them); only the
chief saves into serving_model_dir and writes the record, the others save into a
`workertemp_<type>_<id>` directory beside it and remove it.
`fn_args.train_steps` (the Trainer's train_args) is not used: epochs come from
custom_config.
"""

import os

import keras
import tensorflow as tf
from absl import logging

from tfx_distill.components import model_format
from tfx_distill.trainer import data, export, model as model_lib, settings as settings_lib
from tfx_distill.trainer import strategy as strategy_lib
from tfx_distill.trainer.tensorboard import write_tensorboard
from tfx_distill.trainer.timing import timed_fit


def run_fn(fn_args) -> None:
  """Trains, exports and records one model (see the module docstring)."""
  settings = settings_lib.from_fn_args(fn_args)
  # Multi-worker collectives must be configured before any other TF op runs.
  strategy = strategy_lib.choose_strategy(settings.strategy)
  keras.utils.set_random_seed(settings.seed)

  dataset, summary, label_loss, batch_size = data.training_input(
      fn_args.train_files, settings, strategy)
  with strategy.scope():
    model = model_lib.build_model(settings.architecture, label_loss,
                                  settings.learning_rate, settings.dropout, settings.width)
  times = timed_fit(model, dataset, settings.epochs, settings.verbose)
  logging.info('fit: %d epochs on %d examples in %.2f s (%s, %d replicas)',
               settings.epochs, summary.examples, times.seconds,
               type(strategy).__name__, strategy.num_replicas_in_sync)

  if not strategy_lib.is_chief(strategy):
    task_type, task_id = strategy_lib.task(strategy)
    temp_dir = os.path.join(os.path.dirname(fn_args.serving_model_dir.rstrip('/')),
                            f'workertemp_{task_type}_{task_id}')
    export.export_serving_model(model, label_loss, temp_dir)
    tf.io.gfile.rmtree(temp_dir)
    return
  export.export_serving_model(model, label_loss, fn_args.serving_model_dir)
  run_record = {
      'fit_seconds': times.seconds,
      'fit_cpu_seconds': times.cpu_seconds,
      'epoch_seconds': times.epoch_seconds,
      'epoch_cpu_seconds': times.epoch_cpu_seconds,
      'epochs': settings.epochs,
      'examples': summary.examples,
      'plain_labels': summary.plain_labels,
      'label_loss': label_loss,
      'global_batch_size': batch_size,
      'steps_per_epoch': -(-summary.examples // batch_size),
      'history': times.history,
      'strategy': settings.strategy,
      'strategy_class': type(strategy).__name__,
      'replicas': strategy.num_replicas_in_sync,
      'workers': strategy_lib.num_workers(strategy),
      'seed': settings.seed,
      'architecture': settings.architecture,
      'learning_rate': settings.learning_rate,
      'dropout': (model_lib.DEFAULT_DROPOUT[settings.architecture]
                  if settings.dropout is None else settings.dropout),
      'width': (model_lib.DEFAULT_WIDTH[settings.architecture]
                if settings.width is None else settings.width),
      'clip_images': settings.clip_images,
      'augment': settings.augment,
      'params': model.count_params(),
  }
  model_format.write_record(fn_args.model_run_dir, run_record)
  write_tensorboard(fn_args.model_run_dir, times.history, times.epoch_seconds)
