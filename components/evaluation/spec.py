"""The Evaluator's public face: TFX's EvaluatorSpec with `min_accuracy` and `max_drop`,
which the executor sets as the accuracy's thresholds in the EvalConfig
(blessing/eval_config.py, `with_thresholds`), and the model's training set, seed index
and pipeline, written on the evaluation and the blessing (contracts/identity.py)."""

from tfx.types.component_spec import ExecutionParameter
from tfx.types.standard_component_specs import EvaluatorSpec

from tfx_distill.contracts.parameters import CODE_VERSION, cache_key_parameters

MIN_ACCURACY, MAX_DROP = 'min_accuracy', 'max_drop'
TRAINING_SET_KEY, PIPELINE_KEY, SEED_INDEX = 'training_set', 'pipeline_name', 'seed_index'
BLESSING_KEY, EVALUATION_KEY = 'blessing', 'evaluation'


class EvaluationSpec(EvaluatorSpec):
  PARAMETERS = {**EvaluatorSpec.PARAMETERS,
                MIN_ACCURACY: ExecutionParameter(type=float),
                MAX_DROP: ExecutionParameter(type=float),
                TRAINING_SET_KEY: ExecutionParameter(type=str),
                PIPELINE_KEY: ExecutionParameter(type=str),
                SEED_INDEX: ExecutionParameter(type=int),
                **cache_key_parameters(CODE_VERSION)}
