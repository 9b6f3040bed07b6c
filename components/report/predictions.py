"""Class probabilities of a few images from an exported serving model."""

import numpy as np
import tensorflow as tf

from tfx_distill.contracts.example_format import make_split, serialize
from tfx_distill.contracts.model_format import (EXAMPLES_INPUT, IMAGES_INPUT, OUTPUT_KEY,
                                                 SERVING_EXAMPLES, SERVING_IMAGES)


def predict(serving_model_dir: str, images: np.ndarray) -> np.ndarray:
  """(N, 10) probabilities for images (N, 28, 28) in pixel/255 space, through the raw
  image signature when the model has one, else serving_default on tf.Examples."""
  model = tf.saved_model.load(serving_model_dir)
  images = np.asarray(images, np.float32)
  if SERVING_IMAGES in model.signatures:
    outputs = model.signatures[SERVING_IMAGES](
        **{IMAGES_INPUT: tf.constant(images[..., np.newaxis])})
  else:
    split = make_split(images, np.zeros(len(images), np.int64))
    records = [serialize(image, 0, vector)
               for image, vector in zip(split.images, split.label_vectors)]
    outputs = model.signatures[SERVING_EXAMPLES](**{EXAMPLES_INPUT: tf.constant(records)})
  return np.asarray(outputs[OUTPUT_KEY])
