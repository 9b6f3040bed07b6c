"""Tiny Examples sets for the trainer tests, written through components.example_format,
and TFX FnArgs over them made by TFX itself (`fn_args_utils.get_common_fn_args`, as the
Trainer and Tuner executors make them: a real DataAccessor and the schema's path)."""

import os

import numpy as np
import pytest
from tfx.components.trainer import fn_args_utils
from tfx.proto import trainer_pb2
from tfx.types import artifact_utils, standard_artifacts
from tfx.types import standard_component_specs as keys
from tfx.utils import json_utils, proto_utils

from tfx_distill.contracts.artifacts import write_examples
from tfx_distill.contracts.example_format import make_split, plain_label_vectors
from tfx_distill.contracts.sources import SAMPLE_PATH

TRAIN_IMAGES = 40
VALID_IMAGES = 30
# SchemaGen's schema of the smoke run (`tfx-distill run --preset smoke`, copied from
# <pipeline root>/pipeline/SchemaGen/schema/<id>/schema.pbtxt).
SCHEMA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data', 'schema')


def sample_digits(count: int, start: int = 0):
  """Bundled digits start..start+count: images (N, 28, 28) in [0, 1], labels (N,)."""
  with np.load(SAMPLE_PATH) as data:
    return (data['x'][start:start + count].astype(np.float32) / 255.0,
            data['y'][start:start + count].astype(np.int64))


def valid_split():
  """Real digits that no training split here uses."""
  return make_split(*sample_digits(VALID_IMAGES, start=1000))


def learned_split(count: int, seed: int = 0):
  """A distilled-looking split: images outside [0, 1], learned (non-plain) labels."""
  rng = np.random.default_rng(seed)
  images, labels = sample_digits(count)
  images = images * 1.6 - 0.3
  vectors = plain_label_vectors(labels) + rng.normal(0.0, 0.05, (count, 10))
  return make_split(images, labels, vectors.astype(np.float32))


def examples_artifact(uri: str, splits: dict):
  """An Examples artifact at uri holding the given {name: Split}, as the pipeline's
  components write them."""
  examples = standard_artifacts.Examples()
  examples.uri = uri
  write_examples(examples, splits)
  return examples


@pytest.fixture
def plain_examples(tmp_path):
  """An Examples URI with a 'train' split of 40 real digits and plain labels, and a
  'valid' split of 30 others."""
  uri = str(tmp_path / 'plain')
  examples_artifact(uri, {'train': make_split(*sample_digits(TRAIN_IMAGES)),
                          'valid': valid_split()})
  return uri


@pytest.fixture
def learned_examples(tmp_path):
  """An Examples URI with a 'train' split of 20 distilled-looking images and 'valid'."""
  uri = str(tmp_path / 'learned')
  examples_artifact(uri, {'train': learned_split(20), 'valid': valid_split()})
  return uri


def train_pattern(uri: str, split: str = 'train') -> str:
  return os.path.join(uri, f'Split-{split}', '*')


def make_fn_args(tmp_path, uri: str, custom_config: dict, num_steps: int = 0,
                 eval_split='valid', schema_dir: str = SCHEMA_DIR,
                 eval_steps: int = 0):
  """FnArgs of a Trainer run on the Examples at uri, made by TFX, with the serving and
  model run directories a Trainer executor adds. eval_split: a split name or a list of
  them (EvalArgs.splits)."""
  examples = standard_artifacts.Examples()
  examples.uri = uri
  examples.split_names = artifact_utils.encode_split_names(
      sorted(name[len('Split-'):] for name in os.listdir(uri)))
  examples.set_string_custom_property('payload_format', 'FORMAT_TF_EXAMPLE')
  inputs = {keys.EXAMPLES_KEY: [examples]}
  if schema_dir:
    schema = standard_artifacts.Schema()
    schema.uri = schema_dir
    inputs[keys.SCHEMA_KEY] = [schema]
  properties = {
      keys.TRAIN_ARGS_KEY: proto_utils.proto_to_json(
          trainer_pb2.TrainArgs(splits=['train'], num_steps=num_steps)),
      keys.EVAL_ARGS_KEY: proto_utils.proto_to_json(
          trainer_pb2.EvalArgs(splits=[eval_split] if isinstance(eval_split, str)
                               else list(eval_split), num_steps=eval_steps)),
      keys.CUSTOM_CONFIG_KEY: json_utils.dumps(custom_config)}
  args = fn_args_utils.get_common_fn_args(inputs, properties,
                                          working_dir=str(tmp_path / 'work'))
  args.serving_model_dir = str(tmp_path / 'model' / 'Format-Serving')
  args.model_run_dir = str(tmp_path / 'model_run')
  return args
