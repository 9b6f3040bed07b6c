"""ArtifactRefs from TFX artifacts (in an executor) or MLMD protos (from the store)."""

from typing import Any

from google.protobuf import json_format
from ml_metadata.proto import metadata_store_pb2
from tfx.types import Artifact

from tfx_distill.components.report.collect import ArtifactRef

JSON_SINGLE_VALUE_KEY = '__value__'  # tfx.types.artifact's key of a non-dict JSON value


def plain_value(value: metadata_store_pb2.Value) -> Any:
  """An MLMD property value as a Python value (None if unset). A JSON value (a
  struct) is decoded as TFX encodes it: on Kubeflow and Vertex every custom property
  of an input artifact reaches the executor as one (`pushed`: {'__value__': 1.0}),
  TFX's container entry point turning the artifact's metadata into structs."""
  kind = value.WhichOneof('value')
  if kind == 'struct_value':
    decoded = json_format.MessageToDict(value.struct_value)
    return decoded.get(JSON_SINGLE_VALUE_KEY, decoded)
  return getattr(value, kind) if kind in ('int_value', 'double_value', 'string_value',
                                          'bool_value') else None


def from_mlmd(proto: metadata_store_pb2.Artifact, type_name: str) -> ArtifactRef:
  properties = {name: plain_value(v) for name, v in proto.properties.items()}
  properties.update({name: plain_value(v) for name, v in proto.custom_properties.items()})
  return ArtifactRef(type_name, proto.uri, properties)


def from_tfx(artifact: Artifact) -> ArtifactRef:
  return from_mlmd(artifact.mlmd_artifact, artifact.type_name)
