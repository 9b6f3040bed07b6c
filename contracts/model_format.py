"""The contract of a trained model, between the Trainer that writes it and the
components that read it (Evaluator, Report, serving):

- the serving model (`<model uri>/Format-Serving/`, TFX's layout) is a SavedModel with
  two signatures, both returning {`outputs`: (N, 10) class probabilities, calibrated
  with the temperature fitted on the valid split}: `serving_default` on serialized
  tf.Example (input `examples`, the `image` feature), as TFMA and TF Serving send them,
  and `serving_images` on raw images (input `images`, float32 (N, 28, 28, 1)). Both
  take pixel/255 floats in [0, 1] and refuse anything else with an error that says so
  (INPUT_RANGE_MESSAGE);
- the training record `<model run uri>/training.json` (RECORD_FIELDS below), written
  by `write_record` and read back by `read_record`.

RECORD_FIELDS: what every training.json holds, among others:

- `images`: training examples read; `optimizer_steps`; `images_processed` (the images
  the optimiser saw, steps x batch); `passes` (images_processed / images);
  `epochs_run` (Keras epochs, or chunks of steps for a small set); `regime`
  ('epochs': full set with early stopping, 'steps': a small set's step recipe) and
  `plan` (trainer/recipe.py);
- `fit_seconds` / `fit_cpu_seconds`: `fit` alone, without its validation and
  learning-curve passes (`validation_seconds`); `epoch_seconds`, `history`;
- `eval_curve`: accuracy on the eval split at fixed points of images processed, for
  the report only (contracts/learning_curve.py), or None when the Trainer was not
  given the eval split;
- `other_seeds`: a small set's trainings with its other seeds in the same Trainer
  (trainer/task.py: [{seed, fit_seconds, images_processed, accuracy, eval_curve}],
  none of them exported), [] otherwise (absent from records written before it);
- `early_stopping`: {monitor, patience, best_epoch, stopped_early, best_value} for the
  full set, None for a small set;
- `calibration`: {temperature, valid_images, valid_accuracy, valid_ece_before,
  valid_ece_after, valid_nll_before, valid_nll_after} (trainer/calibration.py).
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
INPUT_RANGE_MESSAGE = ('tfx-distill model input: images must be pixel/255 floats in '
                       '[0, 1] (8-bit pixels divided by 255); got values from (min, max):')
RECORD_FIELDS = ('images', 'optimizer_steps', 'images_processed', 'passes', 'epochs_run',
                 'regime', 'plan', 'fit_seconds', 'fit_cpu_seconds', 'validation_seconds',
                 'early_stopping', 'calibration')
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
