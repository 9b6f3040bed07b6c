"""What the Report reads of its input artifacts, as each runner hands them over: on
Kubeflow and Vertex TFX's container entry point makes every custom property of an
input artifact a JSON struct (from the RuntimeArtifact's metadata); locally they are
plain values. Once, the Report read none of the structs: on Vertex its table said no
model was pushed and no set published."""

from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2
from tfx.orchestration.kubeflow.v2.container import kubeflow_v2_entrypoint_utils
from tfx.types import standard_artifacts

from tfx_distill.components.report.artifact_refs import from_tfx

METADATA = {'pushed': 1.0, 'pushed_destination': 'gs://b/serving/full/1796', 'steps': 5,
            'stopped_by_budget': 0}


def test_the_entry_points_struct_properties_read_as_plain_values():
  artifact_list = pipeline_spec_pb2.ArtifactList()
  json_format.ParseDict({'artifacts': [{
      'name': 'projects/p/locations/l/metadataStores/default/artifacts/a',
      'type': {'schemaTitle': 'tfx.PushedModel'}, 'uri': 'gs://b/Pusher_full_1/pushed',
      'metadata': METADATA}]}, artifact_list)
  [artifact] = kubeflow_v2_entrypoint_utils.parse_raw_artifact_dict(
      {'pushed_model': artifact_list})['pushed_model']
  assert artifact.mlmd_artifact.custom_properties['pushed'].HasField('struct_value')
  properties = from_tfx(artifact).properties
  assert properties == {'pushed': 1.0, 'pushed_destination': 'gs://b/serving/full/1796',
                        'steps': 5, 'stopped_by_budget': 0}


def test_local_properties_read_as_they_are():
  artifact = standard_artifacts.PushedModel()
  artifact.set_int_custom_property('pushed', 1)
  artifact.set_string_custom_property('pushed_destination', '/runs/serving/full/1796')
  assert from_tfx(artifact).properties == {
      'pushed': 1, 'pushed_destination': '/runs/serving/full/1796'}
