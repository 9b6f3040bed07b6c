"""The contract of a trained model, between the Trainer that writes it and the
components that read it (Evaluator, Report, serving):

- the serving model (`<model uri>/Format-Serving/`, TFX's layout) is a SavedModel with
  two signatures, both returning {`outputs`: (N, 10) class probabilities}:
  `serving_default` on serialized tf.Example (input `examples`), as TFMA and TF Serving
  send them, and `serving_images` on raw images (input `images`, float32
  (N, 28, 28, 1) in pixel/255 space);
- the training record `<model run uri>/training.json`: fit-only seconds, epochs,
  examples, history and everything needed to read them, written by `write_record` and
  read back by `read_record`.
"""

import json
import os

import tensorflow as tf

SERVING_SUBDIR = 'Format-Serving'
SERVING_EXAMPLES = 'serving_default'
SERVING_IMAGES = 'serving_images'
EXAMPLES_INPUT = 'examples'
IMAGES_INPUT = 'images'
OUTPUT_KEY = 'outputs'
TRAINING_JSON = 'training.json'


def write_record(model_run_dir: str, record: dict) -> str:
  """Writes the training record as JSON; returns its path."""
  tf.io.gfile.makedirs(model_run_dir)
  path = os.path.join(model_run_dir, TRAINING_JSON)
  with tf.io.gfile.GFile(path, 'w') as handle:
    handle.write(json.dumps(record, indent=1, sort_keys=True))
  return path


def read_record(model_run_dir: str) -> dict:
  """The training record of the run whose ModelRun artifact is at model_run_dir."""
  with tf.io.gfile.GFile(os.path.join(model_run_dir, TRAINING_JSON)) as handle:
    return json.loads(handle.read())
