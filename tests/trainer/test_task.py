"""run_fn end to end with FnArgs made by TFX, in this process (default strategy): the
full set's epochs with early stopping on valid, a small set's step recipe, TrainArgs
num_steps, calibration, progress lines, and the arguments it refuses."""

import os

import numpy as np
import pytest
import tensorflow as tf

from tfx_distill.contracts import model_format
from tfx_distill.contracts.errors import ConfigError
from tfx_distill.trainer import inputs, task
from tfx_distill.trainer.settings import SmallSetTraining, from_config

from tests.trainer.conftest import (TRAIN_IMAGES, VALID_IMAGES, examples_artifact,
                                    make_fn_args, valid_split)

BASE = {'batch_size': 16, 'strategy': 'default', 'seed': 3, 'width': 8, 'verbose': 0}
SMALL = {'steps': 12, 'batch_size': 256, 'learning_rate': 0.003, 'schedule': 'cosine',
         'max_shift': 2}


def served(model_dir, images):
  loaded = tf.saved_model.load(model_dir)
  return loaded.signatures[model_format.SERVING_IMAGES](
      images=tf.constant(images[..., None]))[model_format.OUTPUT_KEY].numpy()


def test_full_set_stops_early_on_valid_and_keeps_the_best_epoch(tmp_path, plain_examples,
                                                                 capsys):
  args = make_fn_args(tmp_path, plain_examples,
                      {**BASE, 'epochs': 40, 'patience': 2, 'learning_rate': 0.01})
  task.run_fn(args)
  run = model_format.read_record(args.model_run_dir)
  assert set(model_format.RECORD_FIELDS) <= set(run)
  stopping = run['early_stopping']
  val_loss = run['history']['val_loss']
  assert run['regime'] == 'epochs' and stopping['stopped_early']
  assert run['epochs_run'] == len(val_loss) < 40
  assert stopping['best_epoch'] == int(np.argmin(val_loss)) + 1
  assert run['epochs_run'] == stopping['best_epoch'] + 2  # patience 2
  assert run['images'] == TRAIN_IMAGES and run['global_batch_size'] == 16
  assert run['optimizer_steps'] == 3 * run['epochs_run']  # ceil(40 / 16) per epoch
  assert run['images_processed'] == TRAIN_IMAGES * run['epochs_run']
  assert run['passes'] == run['epochs_run']
  # Validation runs inside fit; its time is kept out of the fit and epoch seconds.
  assert run['validation_seconds'] > 0
  assert 0 < sum(run['epoch_seconds']) <= run['fit_seconds']
  assert len(run['epoch_cpu_seconds']) == run['epochs_run'] and run['fit_cpu_seconds'] > 0
  assert tf.io.gfile.glob(os.path.join(args.model_run_dir, 'train', 'events.out.*'))

  # The exported weights are the best epoch's: their valid loss is the best one, not
  # the last. Undo the temperature: p = softmax(T * log p_T).
  valid = valid_split()
  calibrated = served(args.serving_model_dir, valid.images)
  temperature = run['calibration']['temperature']
  logits = temperature * np.log(calibrated)
  probabilities = np.exp(logits - logits.max(1, keepdims=True))
  probabilities /= probabilities.sum(1, keepdims=True)
  loss = -np.mean(np.log(probabilities[np.arange(VALID_IMAGES), valid.labels]))
  assert loss == pytest.approx(stopping['best_value'], rel=1e-4)
  assert loss < val_loss[-1]

  lines = [l for l in capsys.readouterr().err.splitlines() if 'trainer epoch' in l]
  assert len(lines) == run['epochs_run']
  assert lines[0].startswith('[') and 'epoch 1/40 loss' in lines[0]
  assert 'val_loss' in lines[0] and 'ETA <= ' in lines[0]


def test_calibration_is_fitted_on_valid_and_served(tmp_path, plain_examples):
  args = make_fn_args(tmp_path, plain_examples, {**BASE, 'epochs': 3, 'patience': 0})
  task.run_fn(args)
  run = model_format.read_record(args.model_run_dir)
  calibration = run['calibration']
  assert calibration['valid_images'] == VALID_IMAGES
  assert calibration['temperature'] != pytest.approx(1.0, abs=1e-3)
  assert calibration['valid_nll_after'] < calibration['valid_nll_before']
  assert run['early_stopping'] == {
      'monitor': 'val_loss', 'patience': 0, 'max_epochs': 3, 'epochs_run': 3,
      'best_epoch': None, 'best_value': None, 'stopped_early': False,
      'restored_best_weights': False}
  assert 'val_loss' not in run['history']  # no validation without early stopping
  # The valid accuracy it reports is the served model's on the valid images.
  valid = valid_split()
  probabilities = served(args.serving_model_dir, valid.images)
  assert np.mean(probabilities.argmax(1) == valid.labels) == pytest.approx(
      calibration['valid_accuracy'])
  np.testing.assert_allclose(probabilities.sum(1), 1.0, rtol=1e-5)


def test_small_sets_follow_the_step_recipe_on_the_size_read(tmp_path, plain_examples,
                                                            learned_examples):
  config = {**BASE, 'label_loss': 'mse', 'small_set': SMALL}
  runs = {}
  for name, uri in (('plain', plain_examples), ('learned', learned_examples)):
    args = make_fn_args(tmp_path / name, uri, config)
    task.run_fn(args)
    runs[name] = model_format.read_record(args.model_run_dir)
  plain, learned = runs['plain'], runs['learned']
  # The same custom_config; the batch is min(images, 256) of the set actually read.
  assert plain['regime'] == learned['regime'] == 'steps'
  assert (plain['images'], plain['global_batch_size']) == (40, 40)
  assert (learned['images'], learned['global_batch_size']) == (20, 20)
  for run in (plain, learned):
    assert run['optimizer_steps'] == 12 and run['early_stopping'] is None
    assert run['images_processed'] == 12 * run['global_batch_size']
    assert run['passes'] == 12.0 and run['validation_seconds'] == 0
    assert run['plan']['schedule'] == 'cosine' and run['plan']['warmup_steps'] == 1
    assert run['plan']['max_shift'] == 2 and run['small_set']['steps'] == 12
  assert plain['label_loss'] == 'ce' and learned['label_loss'] == 'mse'
  # The MSE head's scores are no probabilities: the temperature makes them ones.
  calibration = learned['calibration']
  assert calibration['temperature'] < 1.0  # small scores: sharpened
  assert calibration['valid_nll_after'] < calibration['valid_nll_before']


@pytest.mark.parametrize('small_set,steps,images', [
    (None, 5, 72),  # full set: one epoch of 3 steps (40 images), then 2 of 16
    (SMALL, 5, 5 * 40),
])
def test_train_args_num_steps_is_honoured(tmp_path, plain_examples, small_set, steps,
                                          images):
  config = {**BASE, 'epochs': 30, 'patience': 0, 'small_set': small_set}
  args = make_fn_args(tmp_path, plain_examples, config, num_steps=steps)
  assert args.train_steps == steps
  task.run_fn(args)
  run = model_format.read_record(args.model_run_dir)
  assert run['optimizer_steps'] == steps and run['train_steps_arg'] == steps
  assert run['images_processed'] == images


def bad_schema_dir(tmp_path):
  with open(os.path.join(os.path.dirname(__file__), 'data', 'schema', 'schema.pbtxt')) as f:
    text = f.read()
  directory = tmp_path / 'bad_schema'
  directory.mkdir()
  (directory / 'schema.pbtxt').write_text(text.replace('size: 10', 'size: 12'))
  return str(directory)


@pytest.mark.parametrize('change,message', [
    ({'eval_split': 'eval'}, 'the Trainer has no valid split among its eval files'),
    ({'eval_steps': 3}, 'EvalArgs.num_steps=3 is not supported'),
    ({'schema_dir': ''}, "the Trainer has no schema"),
    ({'schema_dir': 'bad'}, "feature 'label_vector' has 12 values, expected 10"),
])
def test_arguments_it_cannot_honour_are_refused(tmp_path, plain_examples, change, message):
  examples_dir = plain_examples
  if change.get('eval_split') == 'eval':
    examples_dir = str(tmp_path / 'with_eval')
    examples_artifact(examples_dir, {'train': valid_split(), 'eval': valid_split()})
  if change.get('schema_dir') == 'bad':
    change = {'schema_dir': bad_schema_dir(tmp_path)}
  args = make_fn_args(tmp_path, examples_dir, {**BASE, 'epochs': 1}, **change)
  with pytest.raises(ConfigError, match=message):
    task.run_fn(args)
  assert not os.path.exists(args.serving_model_dir)


@pytest.mark.parametrize('field,message', [
    ('base_model', r'Trainer\(base_model=...\) is not supported'),
    ('transform_graph_path', r'Trainer\(transform_graph=...\) is not supported'),
])
def test_warm_start_and_transform_are_refused(tmp_path, plain_examples, field, message):
  args = make_fn_args(tmp_path, plain_examples, {**BASE, 'epochs': 1})
  setattr(args, field, str(tmp_path / 'elsewhere'))
  with pytest.raises(ConfigError, match=message):
    inputs.check_fn_args(args)


def test_tuned_hyperparameters_override_custom_config():
  tuned = {'space': [], 'values': {'learning_rate': 0.02, 'dropout': 0.1, 'width': 16}}
  settings = from_config({'learning_rate': 0.5, 'epochs': '3', 'ai_platform_x': 1}, tuned)
  assert (settings.learning_rate, settings.dropout, settings.width) == (0.02, 0.1, 16)
  assert settings.epochs == 3
  assert from_config(None, {'width': 32}).width == 32
  assert from_config({'clip_images': 'false'}).clip_images is False
  small = from_config({'small_set': {'steps': '7', 'schedule': 'constant'}}, tuned)
  # The tuned rate is the full set's: the small-set recipe keeps its own.
  assert small.small_set.steps == 7
  assert small.small_set.learning_rate == SmallSetTraining().learning_rate != 0.02


def test_bad_settings_fail_with_one_line():
  for config, word in (({'strategy': 'gpu'}, 'strategy'), ({'epochs': 0}, 'epochs'),
                       ({'label_loss': 'l1'}, 'label_loss'),
                       ({'small_set': {'schedule': 'step'}}, 'small_sets.schedule'),
                       ({'small_set': 3}, 'train.small_set')):
    with pytest.raises(ValueError) as error:
      from_config(config)
    assert word in str(error.value) and '\n' not in str(error.value)
