"""Serving export of a trained Keras 3 model as a TensorFlow SavedModel.

Keras 3 cannot write a SavedModel with `model.save`, so this uses `tf.saved_model.save`
with the two signatures of `contracts/model_format.py`, both returning
{'outputs': (N, 10) calibrated class probabilities, softmax(logits / T)}:

- `serving_default`: serialized tf.Example, input `examples` (tf.string, [None]), as
  TFMA and TF Serving send them; only the `image` feature is read;
- `serving_images`: raw images, input `images` (float32, [None, 28, 28, 1]).

The SavedModel's root is a plain `tf.Module` that tracks the model's variables (the
TensorFlow variables behind Keras 3's, as `keras.export.ExportArchive` does) and the two
functions. Saving the Keras 3 model itself as the root writes every weight twice: the
restore op fills copies, while the signatures read the originals, so TensorFlow
Serving's loader (the C++ `LoadSavedModel`, also behind Vertex AI's prebuilt prediction
containers and `saved_model_cli run`) loads the model and then fails every request with
"Could not find variable ...", though `tf.saved_model.load` in Python works
(tensorflow/tensorflow#73158, keras-team/keras#19274). tests/trainer/test_export.py
loads the export as TF Serving does.

Both expect pixel/255 floats in [0, 1] (an 8-bit image divided by 255), as the models
were trained on. Anything else (0..255 pixels, standardised images, NaN) fails with an
InvalidArgumentError naming the range (INPUT_RANGE_MESSAGE) instead of an answer.
T is the temperature fitted on the valid split (trainer/calibration.py).
"""

import keras
import tensorflow as tf

from tfx_distill.contracts.example_format import FEATURE_SPEC, IMAGE_KEY
from tfx_distill.contracts.model_format import (EXAMPLES_INPUT, IMAGES_INPUT,
                                                 INPUT_RANGE_MESSAGE, OUTPUT_KEY,
                                                 SERVING_EXAMPLES, SERVING_IMAGES)
from tfx_distill.trainer.data import to_images
from tfx_distill.trainer.model import INPUT_SHAPE, probabilities


def checked_images(images: tf.Tensor) -> tf.Tensor:
  """The images, after asserting that every value is in [0, 1] (NaN is not)."""
  in_range = tf.reduce_all(tf.logical_and(images >= 0.0, images <= 1.0))
  check = tf.debugging.Assert(in_range, [INPUT_RANGE_MESSAGE, tf.reduce_min(images),
                                         tf.reduce_max(images)], summarize=3)
  with tf.control_dependencies([check]):
    return tf.identity(images)


def export_serving_model(model: keras.Model, label_loss: str, temperature: float,
                         export_dir: str) -> None:
  """Saves `model` with both serving signatures to export_dir."""
  temperature = tf.constant(temperature, tf.float32)

  def serve(images):
    outputs = model(checked_images(images), training=False)
    return {OUTPUT_KEY: probabilities(outputs, label_loss, temperature)}

  @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name=EXAMPLES_INPUT)])
  def serve_examples(examples):
    features = tf.io.parse_example(examples, {IMAGE_KEY: FEATURE_SPEC[IMAGE_KEY]})
    return serve(to_images(features[IMAGE_KEY]))

  @tf.function(input_signature=[
      tf.TensorSpec((None,) + INPUT_SHAPE, tf.float32, name=IMAGES_INPUT)])
  def serve_images(images):
    return serve(images)

  root = tf.Module()
  root.variables_of_model = [variable.value for variable in model.variables]
  root.serve_examples, root.serve_images = serve_examples, serve_images
  tf.saved_model.save(root, export_dir, signatures={SERVING_EXAMPLES: serve_examples,
                                                    SERVING_IMAGES: serve_images})
