"""Adapters between TFX artifacts and the plain data of `example_format`."""

from typing import Dict

import tensorflow as tf
from tfx.types import Artifact, artifact_utils

from tfx_distill.contracts.example_format import FILE_FORMAT, Split, read_split, write_split


def write_examples(artifact: Artifact, splits: Dict[str, Split]) -> None:
  """Writes splits into an Examples artifact and records their names and counts.

  Everything is validated before this is called; if writing fails part-way the partial
  files are removed, so the artifact's directory never looks complete by mistake."""
  try:
    for name, split in splits.items():
      write_split(artifact.uri, name, split)
  except Exception:
    if tf.io.gfile.exists(artifact.uri):
      tf.io.gfile.rmtree(artifact.uri)
    raise
  artifact.split_names = artifact_utils.encode_split_names(list(splits))
  artifact.set_string_custom_property('file_format', FILE_FORMAT)
  artifact.set_string_custom_property('payload_format', 'FORMAT_TF_EXAMPLE')
  for name, split in splits.items():
    artifact.set_int_custom_property(f'num_{name}', len(split.labels))


def read_examples(artifact: Artifact, split_name: str) -> Split:
  """Reads one split of an Examples artifact into memory."""
  names = artifact_utils.decode_split_names(artifact.split_names)
  if split_name not in names:
    raise ValueError(f'{artifact.uri}: no split {split_name!r} (has {names})')
  return read_split(artifact.uri, split_name)
