"""Which family a model belongs to, on the artifacts themselves: every model and every
blessing carries its training set (`full`, `nfr_50`, ...) and its pipeline's name as
custom properties, so that a metadata query can tell a full-data model from a distilled
one without lineage (the Kubeflow V2 / Vertex resolver can filter on nothing else).
"""

TRAINING_SET = 'training_set'  # custom property: node_ids' training set name
PIPELINE = 'pipeline_name'  # custom property: PipelineConfig.name


def properties(training_set: str, pipeline: str) -> dict:
  """The custom properties of a model or blessing of `training_set`."""
  return {TRAINING_SET: training_set, PIPELINE: pipeline}
