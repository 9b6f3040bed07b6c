"""tuner_fn with a tiny budget, and its best hyperparameters fed to the Trainer."""

import keras
import keras_tuner

from tfx_distill.trainer import settings as settings_lib
from tfx_distill.trainer.tuner import tuner_fn

from tests.trainer.conftest import make_fn_args


def tuner_args(tmp_path, uri, **config):
  return make_fn_args(tmp_path, uri, {'architecture': 'seed_cnn', 'batch_size': 20,
                                      'strategy': 'default', 'verbose': 0, 'seed': 0,
                                      **config})


def test_random_search_runs_and_feeds_the_trainer(tmp_path, plain_examples):
  result = tuner_fn(tuner_args(tmp_path, plain_examples, max_trials=2, tuner_epochs=1))
  assert isinstance(result.tuner, keras_tuner.RandomSearch)
  result.tuner.search(**result.fit_kwargs)
  assert len(result.tuner.oracle.trials) == 2
  best = result.tuner.get_best_hyperparameters()[0]
  assert 1e-4 <= best.get('learning_rate') <= 1e-2
  assert best.get('width') in (32, 64, 128)
  settings = settings_lib.from_config({}, best.get_config())
  assert settings.width == best.get('width')
  assert settings.learning_rate == best.get('learning_rate')


def test_hyperband_is_configurable_and_stops_trials_early(tmp_path, plain_examples):
  result = tuner_fn(tuner_args(tmp_path, plain_examples, tuner='hyperband',
                               tuner_epochs=2, hyperband_factor=2, patience=2))
  assert isinstance(result.tuner, keras_tuner.Hyperband)
  assert result.fit_kwargs['validation_data'] is not None
  stopper, = result.fit_kwargs['callbacks']
  assert isinstance(stopper, keras.callbacks.EarlyStopping) and stopper.patience == 2
