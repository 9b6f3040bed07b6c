"""`tuner_fn` of the TFX Tuner: `Tuner(tuner_fn='tfx_distill.trainer.tuner.tuner_fn', ...)`.

A keras-tuner search over learning rate (1e-4..1e-2, log), dropout (0..0.6) and width
(half, the default and double the architecture's width) for the full-data model; the
Tuner's `best_hyperparameters` output feeds the Trainers (`fn_args.hyperparameters`,
read by trainer/settings.py).

Data: as `run_fn` reads it (trainer/inputs.py): through `fn_args.data_accessor` with
SchemaGen's schema, the train split to fit, the `valid` split (EvalArgs) for the
objective; the full-set plan (trainer/recipe.py) gives the batch.

custom_config: the Trainer's keys (architecture, label_loss, batch_size, clip_images,
seed, strategy) plus
- `tuner`: 'random' (RandomSearch, default) or 'hyperband';
- `max_trials`: RandomSearch trials (default 4);
- `tuner_epochs`: most epochs per trial, Hyperband's max_epochs (default: `epochs`,
  else 2); trials stop early on the valid loss after `patience` epochs, as run_fn does;
- `hyperband_factor`: Hyperband's reduction factor (default 3).
The objective is val_accuracy on the valid split. keras-tuner accepts only Keras 3 models; trainer/model.py
builds them with `import keras`, so the search runs even where TF_USE_LEGACY_KERAS=1
(which tensorflow_transform sets) makes `tf.keras` the legacy Keras 2.

What a trial shares with run_fn, from the training core (trainer/fit.py): the network
(`fit.build_model`: the settings' architecture, the plan's learning rate and clipping,
the trial's learning rate, dropout and width in their place), the train and valid
batches (`fit.training_batches`, `fit.validation_batches`), the early-stopping rule
(`fit.early_stopping`) and the plan (trainer/recipe.py). Not `fit.fit` itself:
keras-tuner owns a trial's training loop. It calls the build function under its own
distribution strategy's scope, then `model.fit` with the arguments `tuner_fn` returns
plus its own (callbacks that checkpoint the best epoch, and Hyperband's `epochs` and
`initial_epoch`, continuing a model built from an earlier round's weights), and it
reads the objective from the History. `tuner_fn` does not train either: TFX's Tuner
executor calls `tuner.search(**fit_kwargs)`. `fit.fit` seeds, builds and times a
model of its own and returns a FitResult, which fits none of these; a trial needs no
fit time, learning curve or calibration.
"""

import dataclasses

import keras_tuner
from tfx.components.tuner.component import TunerFnResult

from tfx_distill.contracts.errors import ConfigError
from tfx_distill.trainer import fit as fit_lib, inputs, model as model_lib, recipe
from tfx_distill.trainer import settings as settings_lib, strategy as strategy_lib

TUNERS = ('random', 'hyperband')
PROJECT = 'tfx_distill'


@dataclasses.dataclass(frozen=True)
class SearchSettings:
  """The search budget."""
  tuner: str = 'random'
  max_trials: int = 4
  epochs: int = 2
  hyperband_factor: int = 3

  @classmethod
  def from_config(cls, custom_config) -> 'SearchSettings':
    config = dict(custom_config or {})
    search = cls(tuner=str(config.get('tuner', cls.tuner)),
                 max_trials=int(config.get('max_trials', cls.max_trials)),
                 epochs=int(config.get('tuner_epochs', config.get('epochs', cls.epochs))),
                 hyperband_factor=int(config.get('hyperband_factor', cls.hyperband_factor)))
    if search.tuner not in TUNERS:
      raise ConfigError(f'tuner must be one of {TUNERS}, got {search.tuner!r}')
    if search.max_trials < 1 or search.epochs < 1 or search.hyperband_factor < 2:
      raise ConfigError('max_trials and tuner_epochs must be >= 1, hyperband_factor >= 2')
    return search


def hypermodel(settings: settings_lib.TrainSettings, label_loss: str, plan: recipe.Plan):
  """A keras-tuner model-building function over learning rate, dropout and width: the
  run's network (trainer/fit.py `build_model`) with the trial's values."""
  width = model_lib.DEFAULT_WIDTH[settings.architecture]

  def build(hp: keras_tuner.HyperParameters):
    return fit_lib.build_model(
        settings, label_loss, plan,
        learning_rate=hp.Float('learning_rate', 1e-4, 1e-2, sampling='log'),
        dropout=hp.Float('dropout', 0.0, 0.6, step=0.1),
        width=hp.Choice('width', [width // 2, width, 2 * width]))

  return build


def tuner_fn(fn_args) -> TunerFnResult:
  """The tuner and the arguments of its `search` (run by the TFX Tuner executor)."""
  settings = settings_lib.from_config(fn_args.custom_config)
  search = SearchSettings.from_config(fn_args.custom_config)
  strategy = strategy_lib.choose_strategy(settings.strategy)
  run = inputs.training_input(fn_args, settings, strategy)
  fit_kwargs = {'x': fit_lib.training_batches(run.examples, run.label_loss, run.plan,
                                              settings.seed),
                'epochs': search.epochs, 'verbose': settings.verbose,
                'validation_data': fit_lib.validation_batches(run.valid, run.label_loss,
                                                              run.plan, settings.seed)}
  # The trial's own weights at its end are not used (keras-tuner keeps its best
  # epoch's checkpoint), so none are restored.
  stopper = fit_lib.early_stopping(run.plan, restore_best_weights=False)
  if stopper is not None:
    fit_kwargs['callbacks'] = [stopper]
  objective = 'val_accuracy'
  common = {'hypermodel': hypermodel(settings, run.label_loss, run.plan),
            'objective': keras_tuner.Objective(objective, direction='max'),
            'seed': settings.seed, 'directory': fn_args.working_dir,
            'project_name': PROJECT, 'overwrite': True, 'distribution_strategy': strategy}
  if search.tuner == 'random':
    tuner = keras_tuner.RandomSearch(max_trials=search.max_trials, **common)
  else:
    tuner = keras_tuner.Hyperband(max_epochs=search.epochs,
                                  factor=search.hyperband_factor, **common)
  return TunerFnResult(tuner=tuner, fit_kwargs=fit_kwargs)
