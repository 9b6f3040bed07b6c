"""The TFX Tuner and generic Trainer executors running tuner_fn and run_fn on artifacts:
the Tuner's best hyperparameters feed the Trainer, as they do in the pipeline."""

import json
import os

from tfx.components.trainer import executor as trainer_executor
from tfx.components.tuner import executor as tuner_executor
from tfx.dsl.components.base import base_executor
from tfx.proto import trainer_pb2
from tfx.types import artifact_utils, standard_artifacts
from tfx.types import standard_component_specs as keys
from tfx.utils import json_utils, proto_utils

from tfx_distill.components.example_format import make_split, write_split
from tfx_distill.components import model_format

from tests.trainer.conftest import sample_digits


def artifact(kind, uri):
  result = kind()
  result.uri = uri
  return result


def test_tuner_then_trainer_executors(tmp_path):
  examples = artifact(standard_artifacts.Examples, str(tmp_path / 'examples'))
  write_split(examples.uri, 'train', make_split(*sample_digits(40)))
  write_split(examples.uri, 'eval', make_split(*sample_digits(20)))
  examples.split_names = artifact_utils.encode_split_names(['train', 'eval'])
  config = {'architecture': 'seed_cnn', 'batch_size': 20, 'strategy': 'default',
            'epochs': 1, 'max_trials': 1, 'verbose': 0, 'seed': 0}
  common = {keys.TRAIN_ARGS_KEY: proto_utils.proto_to_json(trainer_pb2.TrainArgs()),
            keys.EVAL_ARGS_KEY: proto_utils.proto_to_json(trainer_pb2.EvalArgs()),
            keys.CUSTOM_CONFIG_KEY: json_utils.dumps(config)}
  context = base_executor.BaseExecutor.Context(tmp_dir=str(tmp_path / 'tmp'),
                                               unique_id='1')

  best = artifact(standard_artifacts.HyperParameters, str(tmp_path / 'best'))
  tuner_executor.Executor(context).Do(
      {keys.EXAMPLES_KEY: [examples]},
      {keys.BEST_HYPERPARAMETERS_KEY: [best],
       keys.TUNER_RESULTS_KEY: [artifact(standard_artifacts.TunerResults,
                                         str(tmp_path / 'results'))]},
      {**common, keys.TUNER_FN_KEY: 'tfx_distill.trainer.tuner.tuner_fn'})
  with open(os.path.join(best.uri, os.listdir(best.uri)[0])) as handle:
    tuned = json.load(handle)['values']

  model = artifact(standard_artifacts.Model, str(tmp_path / 'model'))
  model_run = artifact(standard_artifacts.ModelRun, str(tmp_path / 'model_run'))
  trainer_executor.GenericExecutor(context).Do(
      {keys.EXAMPLES_KEY: [examples], keys.HYPERPARAMETERS_KEY: [best]},
      {keys.MODEL_KEY: [model], keys.MODEL_RUN_KEY: [model_run]},
      {**common, keys.RUN_FN_KEY: 'tfx_distill.trainer.task.run_fn'})
  run = model_format.read_record(model_run.uri)
  assert run['examples'] == 40
  assert (run['learning_rate'], run['dropout'], run['width']) == (
      tuned['learning_rate'], tuned['dropout'], tuned['width'])
  assert os.path.exists(os.path.join(model.uri, 'Format-Serving', 'saved_model.pb'))
