"""Class probabilities of a few images from an exported serving model."""

import numpy as np
import tensorflow as tf

from components.example_format import make_split, serialize

IMAGES_SIGNATURE = 'serving_images'
EXAMPLES_SIGNATURE = 'serving_default'
OUTPUT_KEY = 'outputs'


def predict(serving_model_dir: str, images: np.ndarray) -> np.ndarray:
  """(N, 10) probabilities for images (N, 28, 28) in pixel/255 space, through the raw
  image signature when the model has one, else serving_default on tf.Examples."""
  model = tf.saved_model.load(serving_model_dir)
  images = np.asarray(images, np.float32)
  if IMAGES_SIGNATURE in model.signatures:
    outputs = model.signatures[IMAGES_SIGNATURE](
        images=tf.constant(images[..., np.newaxis]))
  else:
    split = make_split(images, np.zeros(len(images), np.int64))
    records = [serialize(image, 0, vector)
               for image, vector in zip(split.images, split.label_vectors)]
    outputs = model.signatures[EXAMPLES_SIGNATURE](examples=tf.constant(records))
  return np.asarray(outputs[OUTPUT_KEY])
