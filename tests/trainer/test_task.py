"""run_fn end to end with a TFX FnArgs, in this process (default strategy)."""

import os

import numpy as np
import tensorflow as tf
from tfx.components.trainer.fn_args_utils import FnArgs

from tfx_distill.components import model_format
from tfx_distill.trainer import export, task
from tfx_distill.trainer.settings import from_config

from tests.trainer.conftest import TRAIN_IMAGES, sample_digits, train_pattern


def fn_args(tmp_path, uri, **custom_config):
  config = {'epochs': 2, 'batch_size': 16, 'strategy': 'default', 'seed': 3,
            'width': 8, 'verbose': 0, **custom_config}
  return FnArgs(train_files=[train_pattern(uri)],
                serving_model_dir=str(tmp_path / 'model' / 'Format-Serving'),
                model_run_dir=str(tmp_path / 'model_run'),
                working_dir=str(tmp_path / 'work'), custom_config=config)


def test_run_fn_trains_exports_and_records(tmp_path, plain_examples):
  args = fn_args(tmp_path, plain_examples)
  task.run_fn(args)

  run = model_format.read_record(args.model_run_dir)
  assert run['examples'] == TRAIN_IMAGES and run['epochs'] == 2
  assert run['label_loss'] == 'ce' and run['plain_labels']
  assert run['global_batch_size'] == 16 and run['steps_per_epoch'] == 3
  assert run['replicas'] == 1 and run['workers'] == 1 and run['seed'] == 3
  assert len(run['epoch_seconds']) == 2 and len(run['history']['loss']) == 2
  assert 0 < sum(run['epoch_seconds']) <= run['fit_seconds']
  assert len(run['epoch_cpu_seconds']) == 2 and run['fit_cpu_seconds'] > 0
  assert set(run['history']) == {'loss', 'accuracy'}
  assert tf.io.gfile.glob(os.path.join(args.model_run_dir, 'train', 'events.out.*'))

  loaded = tf.saved_model.load(args.serving_model_dir)
  images, _ = sample_digits(4)
  probs = loaded.signatures[model_format.SERVING_IMAGES](
      images=tf.constant(images[..., None]))[model_format.OUTPUT_KEY].numpy()
  assert probs.shape == (4, 10)
  np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_learned_labels_use_the_configured_loss(tmp_path, learned_examples):
  args = fn_args(tmp_path, learned_examples, epochs=1, label_loss='mse',
                 architecture='kip_convnet', augment=True)
  task.run_fn(args)
  run = model_format.read_record(args.model_run_dir)
  assert run['label_loss'] == 'mse' and not run['plain_labels']
  assert run['architecture'] == 'kip_convnet' and run['examples'] == 20
  assert run['augment']
  assert model_format.SERVING_EXAMPLES in tf.saved_model.load(args.serving_model_dir).signatures


def test_tuned_hyperparameters_override_custom_config():
  tuned = {'space': [], 'values': {'learning_rate': 0.02, 'dropout': 0.1, 'width': 16}}
  settings = from_config({'learning_rate': 0.5, 'epochs': '3', 'ai_platform_x': 1}, tuned)
  assert (settings.learning_rate, settings.dropout, settings.width) == (0.02, 0.1, 16)
  assert settings.epochs == 3
  assert from_config(None, {'width': 32}).width == 32
  assert from_config({'clip_images': 'false'}).clip_images is False


def test_bad_settings_fail_with_one_line():
  for config, word in (({'strategy': 'gpu'}, 'strategy'), ({'epochs': 0}, 'epochs'),
                       ({'label_loss': 'l1'}, 'label_loss')):
    try:
      from_config(config)
    except ValueError as error:
      assert word in str(error) and '\n' not in str(error)
    else:
      raise AssertionError(f'{config} accepted')
