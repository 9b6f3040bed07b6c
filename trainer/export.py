"""Serving export of a trained Keras 3 model as a TensorFlow SavedModel.

Keras 3 cannot write a SavedModel with `model.save`, so this uses `tf.saved_model.save`
with the two signatures of `components/model_format.py`, both returning
{'outputs': (N, 10) class probabilities}:

- `serving_default`: serialized tf.Example, input `examples` (tf.string, [None]), as
  TFMA and TF Serving send them; only the `image` feature is read (pixel/255 space,
  not clipped: served images are real ones);
- `serving_images`: raw images, input `images` (float32, [None, 28, 28, 1]).

Models trained with the MSE head output scores; the signatures apply a softmax to them
(see trainer/model.py).
"""

import keras
import tensorflow as tf

from tfx_distill.components.example_format import FEATURE_SPEC, IMAGE_KEY
from tfx_distill.components.model_format import (EXAMPLES_INPUT, IMAGES_INPUT, OUTPUT_KEY,
                                                 SERVING_EXAMPLES, SERVING_IMAGES)
from tfx_distill.trainer.data import to_images
from tfx_distill.trainer.model import INPUT_SHAPE, probabilities


def export_serving_model(model: keras.Model, label_loss: str, export_dir: str) -> None:
  """Saves `model` with both serving signatures to export_dir."""

  @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name=EXAMPLES_INPUT)])
  def serve_examples(examples):
    features = tf.io.parse_example(examples, {IMAGE_KEY: FEATURE_SPEC[IMAGE_KEY]})
    images = to_images(features[IMAGE_KEY])
    return {OUTPUT_KEY: probabilities(model(images, training=False), label_loss)}

  @tf.function(input_signature=[
      tf.TensorSpec((None,) + INPUT_SHAPE, tf.float32, name=IMAGES_INPUT)])
  def serve_images(images):
    return {OUTPUT_KEY: probabilities(model(images, training=False), label_loss)}

  tf.saved_model.save(model, export_dir, signatures={SERVING_EXAMPLES: serve_examples,
                                                     SERVING_IMAGES: serve_images})
