"""SchemaGen's schema as the trainer uses it: loaded from `fn_args.schema_path` and
checked against the features the trainer needs (contracts/example_format.py) before
any data is read through `fn_args.data_accessor` with it.

Distilled and imported sets have no SchemaGen of their own: they carry the same
features as the ingested data, so the ingested data's schema is wired to every Trainer
(and to the Tuner).
"""

from typing import Dict, Tuple

import tensorflow as tf
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2

from tfx_distill.contracts.errors import ConfigError
from tfx_distill.contracts.example_format import (IMAGE_KEY, LABEL_KEY, LABEL_VECTOR_KEY,
                                                   NUM_CLASSES, NUM_PIXELS)

# feature -> (type, values per example) the trainer needs.
REQUIRED: Dict[str, Tuple[int, int]] = {
    IMAGE_KEY: (schema_pb2.FLOAT, NUM_PIXELS),
    LABEL_KEY: (schema_pb2.INT, 1),
    LABEL_VECTOR_KEY: (schema_pb2.FLOAT, NUM_CLASSES),
}
TYPE_NAMES = {schema_pb2.FLOAT: 'FLOAT', schema_pb2.INT: 'INT', schema_pb2.BYTES: 'BYTES'}


def load_schema(path: str) -> schema_pb2.Schema:
  """The schema in a SchemaGen output file (text proto), checked (check_schema)."""
  if not path:
    raise ConfigError("the Trainer has no schema: wire SchemaGen's schema to it "
                      '(Trainer(schema=...)); the trainer reads the examples with it')
  with tf.io.gfile.GFile(path) as handle:
    try:
      schema = text_format.Parse(handle.read(), schema_pb2.Schema())
    except text_format.ParseError as error:
      raise ConfigError(f'{path}: not a schema text proto: {error}') from error
  return check_schema(schema, path)


def _values_per_example(feature: schema_pb2.Feature) -> int:
  """The fixed number of values of a feature, or -1 when the schema fixes none."""
  if feature.HasField('shape'):
    size = 1
    for dim in feature.shape.dim:
      size *= dim.size
    return size
  return -1


def check_schema(schema: schema_pb2.Schema, source: str = 'schema') -> schema_pb2.Schema:
  """Raises ConfigError naming the first required feature that is missing, has another
  type or no fixed shape; returns the schema."""
  features = {feature.name: feature for feature in schema.feature}
  for name, (kind, count) in REQUIRED.items():
    feature = features.get(name)
    if feature is None:
      raise ConfigError(f'{source}: no feature {name!r} (the trainer needs '
                        f'{sorted(REQUIRED)})')
    if feature.type != kind:
      raise ConfigError(f'{source}: feature {name!r} is {TYPE_NAMES.get(feature.type)}, '
                        f'expected {TYPE_NAMES[kind]}')
    found = _values_per_example(feature)
    if found != count:
      shape = 'no fixed shape' if found < 0 else f'{found} values'
      raise ConfigError(f'{source}: feature {name!r} has {shape}, expected {count} per '
                        'example (SchemaGen(infer_feature_shape=True))')
  return schema
