"""What a model is trained on, as its artifacts carry it (contracts/identity.py): the
names the labels are made from, and the properties read back as each runner hands
them over (locally as written; on Kubeflow and Vertex numbers as floats)."""

import pytest
from tfx.types import standard_artifacts

from tfx_distill.contracts import identity
from tfx_distill.contracts.identity import TrainingSet


@pytest.mark.parametrize('training_set, name, data_name', [
    (identity.full(), 'full', 'full'),
    (identity.full(identity.SMALL_SET), 'full_same_steps', 'full'),
    (identity.distilled('nfr', 50), 'nfr_50', 'nfr_50'),
    (identity.distilled('kip_conv', 1), 'kip_conv_1', 'kip_conv_1'),  # no parsing
    (identity.imported(2), 'kipset_2', 'kipset_2'),
    (TrainingSet(identity.DISTILLED, 'nfr', 10, variant='mlp'), 'nfr_10_mlp', 'nfr_10'),
])
def test_names(training_set, name, data_name):
  assert (training_set.name, training_set.data_name) == (name, data_name)


@pytest.mark.parametrize('training_set', [
    identity.full(), identity.full(identity.SMALL_SET, 'kip_convnet'),
    identity.distilled('random', 1, reference=True), identity.imported(3),
    TrainingSet(identity.DISTILLED, 'nfr', 10, variant='lenet5', architecture='lenet5')])
def test_properties_round_trip_on_every_runner(training_set):
  properties = identity.model_properties(training_set, 'tfx-distill-demo-sample', 2)
  assert TrainingSet.from_properties(properties) == training_set
  # Kubeflow and Vertex: every number a float (a struct's number_value).
  as_floats = {k: float(v) if isinstance(v, int) else v for k, v in properties.items()}
  assert TrainingSet.from_properties(as_floats) == training_set
  artifact, copied = standard_artifacts.Model(), standard_artifacts.PushedModel()
  identity.write(artifact, properties)
  identity.copy(artifact, copied)
  assert identity.read(copied) == properties
  assert TrainingSet.from_json(training_set.to_json()) == training_set


def test_artifacts_of_no_training_set():
  assert TrainingSet.from_properties({'source': 'sample', 'split_names': '[]'}) is None


def test_read_as_kubeflow_and_vertex_hand_artifacts_over():
  """TFX's container entry point makes every metadata value a JSON struct; zeros and
  empty strings (model 0, no variant) must read back as such (TFX's own getter returns
  None for them)."""
  from google.protobuf import json_format  # pylint: disable=g-import-not-at-top
  from kfp.pipeline_spec import pipeline_spec_pb2  # pylint: disable=g-import-not-at-top
  from tfx.orchestration.kubeflow.v2.container import kubeflow_v2_entrypoint_utils  # pylint: disable=g-import-not-at-top
  properties = identity.model_properties(identity.full(), 'tfx-distill-smoke-sample', 0)
  artifact_list = pipeline_spec_pb2.ArtifactList()
  json_format.ParseDict({'artifacts': [{
      'name': 'projects/p/locations/l/metadataStores/default/artifacts/m',
      'type': {'schemaTitle': 'tfx.Model'}, 'uri': 'gs://b/Trainer_full_s0_1/model',
      'metadata': properties}]}, artifact_list)
  [model] = kubeflow_v2_entrypoint_utils.parse_raw_artifact_dict(
      {'model': artifact_list})['model']
  assert model.mlmd_artifact.custom_properties[identity.SEED].HasField('struct_value')
  assert identity.read(model) == properties
  pushed = standard_artifacts.PushedModel()
  identity.copy(model, pushed)
  assert identity.read(pushed) == properties
