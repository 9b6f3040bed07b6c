"""The Trainer's executor: folds the length and seed parameters into custom_config, runs
TFX's Trainer executor (the generic one here; on Vertex AI, TFX's Vertex Training one,
kubeflow/vertex_training.py), then writes the training set on the model and its
training record."""

from typing import Any, Dict, List

from tfx.components.trainer import executor as trainer_executor
from tfx.types import Artifact
from tfx.types.standard_component_specs import CUSTOM_CONFIG_KEY
from tfx.utils import json_utils

from tfx_distill.components.training.spec import (EPOCHS, MODEL_KEY, MODEL_RUN_KEY,
                                                  PIPELINE_KEY, SEED, SEED_INDEX,
                                                  TRAINING_SET_KEY, TUNABLE)
from tfx_distill.contracts import identity, node_ids

SMALL_SET, STEPS = 'small_set', 'steps'  # TrainSettings.small_set, SmallSetTraining.steps


def trained_settings(custom_config: Dict[str, Any], epochs: int, small_steps: int,
                     seed: int, seed_index: int, label: str = '') -> Dict[str, Any]:
  """custom_config with the model's seed (seed + seed_index: the one rule), its epochs
  (the full set) or the steps of its small-set recipe, and its label."""
  config = dict(custom_config, label=label)
  if config.get(SMALL_SET):
    config[SMALL_SET] = {**config[SMALL_SET], STEPS: small_steps}
  else:
    config[EPOCHS] = epochs
  config[SEED] = seed + seed_index
  return config


def split(exec_properties: Dict[str, Any], keys) -> tuple:
  """(exec_properties without keys, their values in order)."""
  rest = dict(exec_properties)
  return rest, [rest.pop(key) for key in keys]


class TrainingMixin:
  """Before the Trainer executor it is mixed into: the parameters into custom_config;
  after: the training set on the outputs."""

  def Do(self, input_dict: Dict[str, List[Artifact]],
         output_dict: Dict[str, List[Artifact]], exec_properties: Dict[str, Any]):
    rest, values = split(exec_properties, TUNABLE)
    values = [int(value) for value in values]
    rest, (training_set, pipeline) = split(rest, (TRAINING_SET_KEY, PIPELINE_KEY))
    training_set = identity.TrainingSet.from_json(training_set)
    seed_index = values[TUNABLE.index(SEED_INDEX)]
    config = json_utils.loads(rest.get(CUSTOM_CONFIG_KEY) or 'null') or {}
    epochs, small_steps, seed, _ = values
    rest[CUSTOM_CONFIG_KEY] = json_utils.dumps(trained_settings(
        config, epochs, small_steps * training_set.work, seed, seed_index,
        label=node_ids.trainer(training_set.name, seed_index)))
    result = super().Do(input_dict, output_dict, rest)
    properties = identity.model_properties(training_set, pipeline, seed_index)
    for key in (MODEL_KEY, MODEL_RUN_KEY):
      for artifact in output_dict.get(key, []):
        identity.write(artifact, properties)
    return result


class Executor(TrainingMixin, trainer_executor.GenericExecutor):
  """TFX's generic Trainer executor, training inside the pipeline step."""

