"""Which family a model belongs to, on the artifacts themselves: every model and every
blessing carries its training set (`full`, `nfr_50`, ...) and its pipeline's name as
custom properties, so that a metadata query can tell a full-data model from a distilled
one without lineage (the Kubeflow V2 / Vertex resolver can filter on nothing else).
"""

TRAINING_SET = 'training_set'  # custom property: node_ids' training set name
PIPELINE = 'pipeline_name'  # custom property: PipelineConfig.pipeline_name
SEED = 'model_seed'  # custom property: which model of its set (0 .. --seeds - 1)


def properties(training_set: str, pipeline: str) -> dict:
  """The string properties of a model or blessing of `training_set` (also the Model
  Registry's labels)."""
  return {TRAINING_SET: training_set, PIPELINE: pipeline}


def model_properties(training_set: str, pipeline: str, seed: int) -> dict:
  """The custom properties of the seed-th model of `training_set`, and of its
  blessing: the full model's baseline is the latest blessed model 0 of `full`."""
  return {**properties(training_set, pipeline), SEED: seed}
