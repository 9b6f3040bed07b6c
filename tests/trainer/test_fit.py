"""The training core (trainer/fit.py): run_fn and the short_training bench train
through it, so the same settings and data give them the same curve and the same losses,
to the float, whatever the bench trained before; and it refuses a plan made for another
set, or early stopping without a valid split."""

import importlib.util
import os

import keras
import numpy as np
import pytest

from tfx_distill.contracts import model_format
from tfx_distill.contracts.example_format import make_split
from tfx_distill.trainer import fit as fit_lib, recipe, task
from tfx_distill.trainer.settings import from_config

from tests.trainer.conftest import (examples_artifact, learned_split, make_fn_args,
                                    sample_digits, valid_split)

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'bench', 'short_training.py')
BASE = {'strategy': 'default', 'seed': 4, 'width': 8, 'verbose': 0}
EVAL_IMAGES = 300  # accuracies to 1/300: a different model shows at some point


def short_training():
  spec = importlib.util.spec_from_file_location('short_training', BENCH)
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module


@pytest.mark.parametrize('train_split,config', [
    # A small set's steps, batches cycling across passes, shifted, a cosine rate.
    ('plain', {**BASE, 'small_set': {'steps': 60, 'batch_size': 10, 'max_shift': 2,
                                     'learning_rate': 0.01}}),
    # Learned labels (MSE on the label vectors), images clipped into [0, 1].
    ('learned', {**BASE, 'label_loss': 'mse', 'small_set': {
        'steps': 30, 'batch_size': 10, 'schedule': 'constant', 'learning_rate': 0.01}}),
    # The full set's epochs (no early stopping: the bench has no valid split).
    ('plain', {**BASE, 'batch_size': 16, 'epochs': 8, 'patience': 0,
               'learning_rate': 0.01}),
])
def test_the_bench_and_run_fn_train_the_same_model(tmp_path, monkeypatch, train_split,
                                                   config):
  split = (make_split(*sample_digits(40)) if train_split == 'plain'
           else learned_split(20))
  test = make_split(*sample_digits(EVAL_IMAGES, start=2000))
  uri = str(tmp_path / 'examples')
  examples_artifact(uri, {'train': split, 'valid': valid_split(), 'eval': test})
  args = make_fn_args(tmp_path, uri, config, eval_split=['valid', 'eval'])
  task.run_fn(args)
  record = model_format.read_record(args.model_run_dir)

  # The bench trains seed after seed in one process: what ran before must not matter.
  keras.utils.set_random_seed(config['seed'] + 1)
  fits = []  # the bench's own training must be the core's
  core = fit_lib.fit
  monkeypatch.setattr(fit_lib, 'fit', lambda *a, **k: fits.append(core(*a, **k)) or fits[-1])
  bench = short_training().train(split.images, split.label_vectors, test.images,
                                 test.labels, from_config(config))
  trained, = fits
  assert trained.times.history == record['history']  # every epoch's loss, to the float
  assert (bench['steps'], bench['images_processed'], bench['batch_size'],
          bench['loss']) == (record['optimizer_steps'], record['images_processed'],
                             record['global_batch_size'], record['label_loss'])
  keys = ('point', 'images_processed', 'steps', 'accuracy')
  mine = [{k: p[k] for k in keys} for p in bench['curve']]
  assert mine == [{k: p[k] for k in keys} for p in record['eval_curve']['points']]
  assert len(mine) >= 4
  assert bench['accuracy'] == record['eval_curve']['points'][-1]['accuracy']


def test_fit_refuses_a_plan_for_another_set_or_stopping_without_valid():
  images, labels = sample_digits(20)
  split = make_split(images, labels)
  examples = fit_lib.examples_from_arrays(split.images[..., None], split.labels,
                                          split.label_vectors)
  settings = from_config({**BASE, 'epochs': 2, 'patience': 1})
  with pytest.raises(ValueError, match='the plan is for 30 examples, the set has 20'):
    fit_lib.fit(examples, 'ce', settings, recipe.plan_for(settings, 30))
  with pytest.raises(ValueError, match='give fit the valid examples'):
    fit_lib.fit(examples, 'ce', settings, recipe.plan_for(settings, 20))


def test_fit_result_reports_early_stopping_and_the_curve(tmp_path):
  images, labels = sample_digits(40)
  split, valid = make_split(images, labels), valid_split()
  as_examples = lambda s: fit_lib.examples_from_arrays(s.images[..., None], s.labels,
                                                       s.label_vectors)
  settings = from_config({**BASE, 'batch_size': 16, 'epochs': 6, 'patience': 1,
                          'learning_rate': 0.05})
  plan = recipe.plan_for(settings, 40)
  test_images, test_labels = sample_digits(50, start=2000)
  trained = fit_lib.fit(as_examples(split), 'ce', settings, plan,
                        valid=as_examples(valid), curve=(test_images[..., None],
                                                         test_labels))
  assert trained.epochs_run == len(trained.times.history['val_loss']) <= 6
  assert trained.times.steps == 3 * trained.epochs_run
  assert trained.images_processed == 40 * trained.epochs_run
  stopping = trained.stopping_record()
  assert stopping['epochs_run'] == trained.epochs_run and stopping['patience'] == 1
  assert stopping['best_value'] == pytest.approx(min(trained.times.history['val_loss']))
  assert trained.curve['images'] == 50
  assert trained.curve['points'][-1]['images_processed'] == trained.images_processed
  assert np.isfinite(trained.model.count_params())


def test_train_arrays_without_the_curve_measures_the_same_end():
  """record_curve=False (bench/tuning_proxy.py) trains the same model and reports the
  accuracy the curve's last point reports, with no curve."""
  images, labels = sample_digits(40)
  test_images, test_labels = sample_digits(300, start=2000)
  settings = from_config({**BASE, 'epochs': 2, 'patience': 0, 'batch_size': 16})
  vectors = np.eye(10, dtype=np.float32)[labels]
  runs = [fit_lib.train_arrays(images, vectors, test_images, test_labels, settings,
                               record_curve=record) for record in (True, False)]
  assert runs[0]['curve'] and runs[1]['curve'] == []
  assert runs[1]['accuracy'] == runs[0]['accuracy']
  assert runs[1]['images_processed'] == runs[0]['images_processed'] == 80
