"""The exported SavedModel serves the in-memory model's predictions on both signatures."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfx_distill.components import model_format
from tfx_distill.components.example_format import make_split, serialized_examples
from tfx_distill.trainer import export
from tfx_distill.trainer.model import build_model, probabilities

from tests.trainer.conftest import learned_split


@pytest.mark.parametrize('label_loss', ['ce', 'mse'])
def test_exported_predictions_equal_in_memory(tmp_path, label_loss):
  keras.utils.set_random_seed(0)
  model = build_model('seed_cnn', label_loss, width=8)
  split = learned_split(6)
  images = split.images[..., None]
  model.fit(images, split.label_vectors, epochs=1, verbose=0)
  expected = np.asarray(probabilities(model.predict(images, verbose=0), label_loss))
  export.export_serving_model(model, label_loss, str(tmp_path / 'serving'))

  loaded = tf.saved_model.load(str(tmp_path / 'serving'))
  assert set(loaded.signatures) == {model_format.SERVING_EXAMPLES, model_format.SERVING_IMAGES}
  records = tf.constant(list(serialized_examples(make_split(
      split.images, split.labels, split.label_vectors))))
  by_example = loaded.signatures[model_format.SERVING_EXAMPLES](examples=records)
  by_image = loaded.signatures[model_format.SERVING_IMAGES](images=tf.constant(images))
  np.testing.assert_allclose(by_example[model_format.OUTPUT_KEY].numpy(), expected, atol=1e-6)
  np.testing.assert_allclose(by_image[model_format.OUTPUT_KEY].numpy(), expected, atol=1e-6)
  np.testing.assert_allclose(expected.sum(axis=1), 1.0, rtol=1e-5)
