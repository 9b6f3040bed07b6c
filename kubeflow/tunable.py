"""The TFX Trainer and Evaluator made tunable at submission: their specs with a few
scalar parameters more, and executors that fold those into the exec properties the
original executors read.

A Kubeflow runtime parameter can only stand for a whole execution parameter, and the
values a user changes between runs sit inside two of TFX's: the epochs and seed inside
the Trainer's `custom_config` (a JSON dict, trainer/settings.py) and the accuracy
thresholds inside the Evaluator's `eval_config` (a TFMA proto). So:

- `tune_trainer(trainer, ...)` gives a built Trainer the parameters `epochs` (the
  full-data model's most epochs), `small_steps` (the optimiser steps of a small set's
  step recipe, trainer/settings.py SmallSetTraining; the one a Trainer's custom_config
  has no recipe for is 0 and unused), `seed` and `seed_index` (the k-th model of a
  training set trains with seed + k); its executor writes them into custom_config, then
  runs TFX's generic Trainer executor, or the Vertex AI Training one (which passes that
  custom_config on to the CustomJob).
- `tune_evaluator(evaluator, ...)` gives a built Evaluator `min_accuracy` and
  `max_drop` (a full-data model's: the run's full_max_drop); its executor sets the
  accuracy's value threshold to min_accuracy and its change threshold to -max_drop
  (blessing/eval_config.py, `with_thresholds`; the calibration bound stays as
  compiled), then runs TFX's Evaluator executor.
  It also gets the training set and pipeline of its model, and writes them on the
  blessing (contracts/lineage.py): the compiled resolver finds the full model's
  baseline by them (compile.py), and a step's output artifacts need not arrive with the
  metadata the spec declares for them (Vertex does not document that it copies it).

Both keep the node's id, inputs and output channels, so nothing downstream changes.
"""

from typing import Any, Dict, List, Union

import tensorflow_model_analysis as tfma
from google.protobuf import json_format
from tfx import v1 as tfx
from tfx.components.evaluator import executor as evaluator_executor
from tfx.components.trainer import executor as trainer_executor
from tfx.dsl.components.base import base_component, executor_spec
from tfx.orchestration import data_types
from tfx.types import Artifact, artifact_utils
from tfx.types.component_spec import ComponentSpec, ExecutionParameter
from tfx.types.standard_component_specs import EvaluatorSpec, TrainerSpec
from tfx.utils import json_utils, proto_utils

from tfx_distill.blessing.eval_config import with_thresholds
from tfx_distill.contracts import lineage
from tfx_distill.kubeflow.vertex_training import VertexExecutor

CUSTOM_CONFIG_KEY = 'custom_config'
EVAL_CONFIG_KEY = 'eval_config'
# EPOCHS and SEED are also the keys of TrainSettings' custom_config (trainer/settings.py).
EPOCHS, SEED, SEED_INDEX = 'epochs', 'seed', 'seed_index'
SMALL_STEPS = 'small_steps'
SMALL_SET, STEPS = 'small_set', 'steps'  # TrainSettings.small_set, SmallSetTraining.steps
TRAINER_PARAMETERS = (EPOCHS, SMALL_STEPS, SEED, SEED_INDEX)
MIN_ACCURACY, MAX_DROP = 'min_accuracy', 'max_drop'
BLESSING_KEY = 'blessing'
LINEAGE_PARAMETERS = (lineage.TRAINING_SET, lineage.PIPELINE)
MODEL_SEED = lineage.SEED
Value = Union[int, float, data_types.RuntimeParameter]


class TunableTrainerSpec(TrainerSpec):
  PARAMETERS = {**TrainerSpec.PARAMETERS,
                **{key: ExecutionParameter(type=int)
                   for key in TRAINER_PARAMETERS}}


class TunableEvaluatorSpec(EvaluatorSpec):
  PARAMETERS = {**EvaluatorSpec.PARAMETERS,
                MIN_ACCURACY: ExecutionParameter(type=float),
                MAX_DROP: ExecutionParameter(type=float),
                **{key: ExecutionParameter(type=str) for key in LINEAGE_PARAMETERS},
                MODEL_SEED: ExecutionParameter(type=int)}


def trained_settings(custom_config: Dict[str, Any], epochs: int, small_steps: int,
                     seed: int, seed_index: int) -> Dict[str, Any]:
  """custom_config with the run's seed, and its epochs (full set) or the steps of its
  small-set recipe."""
  config = dict(custom_config)
  if config.get(SMALL_SET):
    config[SMALL_SET] = {**config[SMALL_SET], STEPS: small_steps}
  else:
    config[EPOCHS] = epochs
  config[SEED] = seed + seed_index
  return config


def _split(exec_properties: Dict[str, Any], keys) -> tuple:
  """(exec_properties without keys, their values in order)."""
  rest = dict(exec_properties)
  return rest, [rest.pop(key) for key in keys]


class _TunableTrainerMixin:
  """Folds epochs, small_steps and seed (+ seed_index) into custom_config before the
  Trainer executor runs."""

  def Do(self, input_dict: Dict[str, List[Artifact]],
         output_dict: Dict[str, List[Artifact]], exec_properties: Dict[str, Any]):
    rest, values = _split(exec_properties, TRAINER_PARAMETERS)
    config = json_utils.loads(rest.get(CUSTOM_CONFIG_KEY) or 'null') or {}
    rest[CUSTOM_CONFIG_KEY] = json_utils.dumps(
        trained_settings(config, *[int(value) for value in values]))
    return super().Do(input_dict, output_dict, rest)


class TrainerExecutor(_TunableTrainerMixin, trainer_executor.GenericExecutor):
  """TFX's generic Trainer executor, training inside the pipeline step."""


class VertexTrainerExecutor(_TunableTrainerMixin, VertexExecutor):
  """TFX's Vertex AI Training executor (with this package's replica executor,
  vertex_training.VertexExecutor): the CustomJob gets the folded custom_config."""


class EvaluatorExecutor(evaluator_executor.Executor):
  """TFX's Evaluator executor with the run's accuracy thresholds; the blessing carries
  the model's training set, pipeline and seed index."""

  def Do(self, input_dict: Dict[str, List[Artifact]],
         output_dict: Dict[str, List[Artifact]], exec_properties: Dict[str, Any]):
    rest, (min_accuracy, max_drop) = _split(exec_properties, (MIN_ACCURACY, MAX_DROP))
    rest, (training_set, pipeline, seed) = _split(rest, LINEAGE_PARAMETERS + (MODEL_SEED,))
    config = json_format.Parse(rest[EVAL_CONFIG_KEY], tfma.EvalConfig())
    rest[EVAL_CONFIG_KEY] = proto_utils.proto_to_json(
        with_thresholds(config, float(min_accuracy), float(max_drop)))
    result = super().Do(input_dict, output_dict, rest)
    blessing = artifact_utils.get_single_instance(output_dict[BLESSING_KEY])
    for key, value in lineage.properties(training_set, pipeline).items():
      blessing.set_string_custom_property(key, value)
    blessing.set_int_custom_property(MODEL_SEED, int(seed))
    return result


TUNABLE_TRAINER_EXECUTORS = {
    trainer_executor.GenericExecutor: TrainerExecutor,
    VertexExecutor: VertexTrainerExecutor,
}


def _respec(component: base_component.BaseComponent, spec_class: type,
            executor_class: type, parameters: Dict[str, Value]) -> None:
  """Gives a built component spec_class (its own values plus `parameters`) and
  executor_class, in place; its id and channels stay."""
  old = component.spec
  component.spec = spec_class(**old.exec_properties, **parameters, **old.inputs,
                              **old.outputs)
  component.executor_spec = executor_spec.ExecutorClassSpec(executor_class)


def tune_trainer(trainer: tfx.components.Trainer, epochs: Value, small_steps: Value,
                 seed: Value, seed_index: int) -> None:
  """Makes a built Trainer (generic or Vertex) take its length and seed as parameters."""
  executor_class = TUNABLE_TRAINER_EXECUTORS[trainer.executor_spec.executor_class]
  _respec(trainer, TunableTrainerSpec, executor_class, {
      EPOCHS: epochs, SMALL_STEPS: small_steps, SEED: seed, SEED_INDEX: seed_index})


def tune_evaluator(evaluator: tfx.components.Evaluator, min_accuracy: Value,
                   max_drop: Value, training_set: str, pipeline: str, seed: int) -> None:
  """Makes a built Evaluator take its accuracy thresholds as parameters, and write
  `training_set`, `pipeline` (the pipeline's name) and the model's `seed` index on its
  blessing."""
  _respec(evaluator, TunableEvaluatorSpec, EvaluatorExecutor,
          {MIN_ACCURACY: min_accuracy, MAX_DROP: max_drop,
           **lineage.model_properties(training_set, pipeline, seed)})

