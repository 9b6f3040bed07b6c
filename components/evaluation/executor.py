"""The Evaluator's executor: TFX's, with the run's accuracy thresholds; then the model's
training set on the evaluation and the blessing."""

from typing import Any, Dict, List

import tensorflow_model_analysis as tfma
from google.protobuf import json_format
from tfx.components.evaluator import executor as evaluator_executor
from tfx.types import Artifact
from tfx.types.standard_component_specs import EVAL_CONFIG_KEY
from tfx.utils import proto_utils

from tfx_distill.blessing.eval_config import with_thresholds
from tfx_distill.components.evaluation.spec import (BLESSING_KEY, EVALUATION_KEY, MAX_DROP,
                                                    MIN_ACCURACY, PIPELINE_KEY, SEED_INDEX,
                                                    TRAINING_SET_KEY)
from tfx_distill.contracts import identity
from tfx_distill.contracts.parameters import CODE_VERSION


class Executor(evaluator_executor.Executor):

  def Do(self, input_dict: Dict[str, List[Artifact]],
         output_dict: Dict[str, List[Artifact]], exec_properties: Dict[str, Any]):
    rest = dict(exec_properties)
    rest.pop(CODE_VERSION, None)
    min_accuracy, max_drop = float(rest.pop(MIN_ACCURACY)), float(rest.pop(MAX_DROP))
    properties = identity.model_properties(
        identity.TrainingSet.from_json(rest.pop(TRAINING_SET_KEY)), rest.pop(PIPELINE_KEY),
        int(rest.pop(SEED_INDEX)))
    config = json_format.Parse(rest[EVAL_CONFIG_KEY], tfma.EvalConfig())
    rest[EVAL_CONFIG_KEY] = proto_utils.proto_to_json(
        with_thresholds(config, min_accuracy, max_drop))
    result = super().Do(input_dict, output_dict, rest)
    for key in (BLESSING_KEY, EVALUATION_KEY):
      for artifact in output_dict.get(key, []):
        identity.write(artifact, properties)
    return result
