"""The TFX Tuner and generic Trainer executors running tuner_fn and run_fn on artifacts,
with SchemaGen's schema as their `schema` input: the Tuner's best hyperparameters feed
the Trainer, as they do in the pipeline."""

import json
import os

from tfx.components.trainer import executor as trainer_executor
from tfx.components.tuner import executor as tuner_executor
from tfx.dsl.components.base import base_executor
from tfx.proto import trainer_pb2
from tfx.types import standard_artifacts
from tfx.types import standard_component_specs as keys
from tfx.utils import json_utils, proto_utils

from tfx_distill.contracts import model_format
from tfx_distill.contracts.example_format import make_split

from tests.trainer.conftest import SCHEMA_DIR, examples_artifact, sample_digits, valid_split


def artifact(kind, uri):
  result = kind()
  result.uri = uri
  return result


def test_tuner_then_trainer_executors(tmp_path):
  examples = examples_artifact(str(tmp_path / 'examples'),
                               {'train': make_split(*sample_digits(40)),
                                'valid': valid_split()})
  schema = artifact(standard_artifacts.Schema, SCHEMA_DIR)
  config = {'architecture': 'seed_cnn', 'batch_size': 20, 'strategy': 'default',
            'epochs': 1, 'max_trials': 1, 'verbose': 0, 'seed': 0}
  common = {keys.TRAIN_ARGS_KEY: proto_utils.proto_to_json(
                trainer_pb2.TrainArgs(splits=['train'])),
            keys.EVAL_ARGS_KEY: proto_utils.proto_to_json(
                trainer_pb2.EvalArgs(splits=['valid'])),
            keys.CUSTOM_CONFIG_KEY: json_utils.dumps(config)}
  context = base_executor.BaseExecutor.Context(tmp_dir=str(tmp_path / 'tmp'),
                                               unique_id='1')

  best = artifact(standard_artifacts.HyperParameters, str(tmp_path / 'best'))
  tuner_executor.Executor(context).Do(
      {keys.EXAMPLES_KEY: [examples], keys.SCHEMA_KEY: [schema]},
      {keys.BEST_HYPERPARAMETERS_KEY: [best],
       keys.TUNER_RESULTS_KEY: [artifact(standard_artifacts.TunerResults,
                                         str(tmp_path / 'results'))]},
      {**common, keys.TUNER_FN_KEY: 'tfx_distill.trainer.tuner.tuner_fn'})
  with open(os.path.join(best.uri, os.listdir(best.uri)[0])) as handle:
    tuned = json.load(handle)['values']

  model = artifact(standard_artifacts.Model, str(tmp_path / 'model'))
  model_run = artifact(standard_artifacts.ModelRun, str(tmp_path / 'model_run'))
  trainer_executor.GenericExecutor(context).Do(
      {keys.EXAMPLES_KEY: [examples], keys.SCHEMA_KEY: [schema],
       keys.HYPERPARAMETERS_KEY: [best]},
      {keys.MODEL_KEY: [model], keys.MODEL_RUN_KEY: [model_run]},
      {**common, keys.RUN_FN_KEY: 'tfx_distill.trainer.task.run_fn'})
  run = model_format.read_record(model_run.uri)
  assert run['images'] == 40 and run['calibration']['valid_images'] == 30
  assert (run['learning_rate'], run['dropout'], run['width']) == (
      tuned['learning_rate'], tuned['dropout'], tuned['width'])
  assert os.path.exists(os.path.join(model.uri, 'Format-Serving', 'saved_model.pb'))
