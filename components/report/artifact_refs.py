"""ArtifactRefs from TFX artifacts (in an executor) or MLMD protos (from the store)."""

from ml_metadata.proto import metadata_store_pb2
from tfx.types import Artifact

from tfx_distill.components.report.collect import ArtifactRef
from tfx_distill.contracts.identity import plain_value


def from_mlmd(proto: metadata_store_pb2.Artifact, type_name: str) -> ArtifactRef:
  properties = {name: plain_value(v) for name, v in proto.properties.items()}
  properties.update({name: plain_value(v) for name, v in proto.custom_properties.items()})
  return ArtifactRef(type_name, proto.uri, properties)


def from_tfx(artifact: Artifact) -> ArtifactRef:
  return from_mlmd(artifact.mlmd_artifact, artifact.type_name)
