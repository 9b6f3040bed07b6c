"""The exported SavedModel serves calibrated probabilities on both signatures, computed
here independently from the in-memory model's raw outputs, also when loaded as
TensorFlow Serving loads it, and refuses input outside [0, 1] with a message naming the
range."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfx_distill.contracts import model_format
from tfx_distill.contracts.example_format import make_split, serialized_examples
from tfx_distill.trainer import export
from tfx_distill.trainer.model import build_model

from tests.trainer.conftest import sample_digits

TEMPERATURE = 0.37


def numpy_softmax(logits):
  exp = np.exp(logits - logits.max(axis=1, keepdims=True))
  return exp / exp.sum(axis=1, keepdims=True)


def expected_probabilities(raw: np.ndarray, label_loss: str) -> np.ndarray:
  """softmax(logits / T) written out in numpy: the MSE head's scores are the logits;
  the softmax head's probabilities p become p^(1/T), renormalised."""
  raw = raw.astype(np.float64)
  if label_loss == 'mse':
    return numpy_softmax(raw / TEMPERATURE)
  powered = raw ** (1.0 / TEMPERATURE)
  return powered / powered.sum(axis=1, keepdims=True)


def signatures(directory):
  loaded = tf.saved_model.load(directory)
  assert set(loaded.signatures) == {model_format.SERVING_EXAMPLES,
                                    model_format.SERVING_IMAGES}
  return (loaded.signatures[model_format.SERVING_EXAMPLES],
          loaded.signatures[model_format.SERVING_IMAGES])


@pytest.fixture(scope='module', params=['ce', 'mse'])
def exported(request, tmp_path_factory):
  label_loss = request.param
  keras.utils.set_random_seed(0)
  model = build_model('seed_cnn', label_loss, width=8)
  images, labels = sample_digits(6)
  model.fit(images[..., None], np.eye(10)[labels] - 0.1 * (label_loss == 'mse'),
            epochs=2, verbose=0)
  raw = model.predict(images[..., None], verbose=0)
  directory = str(tmp_path_factory.mktemp(label_loss) / 'serving')
  export.export_serving_model(model, label_loss, TEMPERATURE, directory)
  return label_loss, directory, images, labels, raw


def served_as_tf_serving_does(directory, images, labels):
  """Both signatures' outputs with the model loaded by TensorFlow's graph loader, the
  path of TF Serving and `saved_model_cli run` (a MetaGraph imported into a session, its
  variables restored by the saver's restore op), not `tf.saved_model.load`."""
  examples = list(serialized_examples(make_split(images, labels)))
  with tf.compat.v1.Session(graph=tf.Graph()) as session:
    meta = tf.compat.v1.saved_model.loader.load(session, ['serve'], directory)
    by_example = meta.signature_def[model_format.SERVING_EXAMPLES]
    by_image = meta.signature_def[model_format.SERVING_IMAGES]
    return (session.run(by_example.outputs[model_format.OUTPUT_KEY].name,
                        {by_example.inputs[model_format.EXAMPLES_INPUT].name: examples}),
            session.run(by_image.outputs[model_format.OUTPUT_KEY].name,
                        {by_image.inputs[model_format.IMAGES_INPUT].name:
                         images[..., None].astype(np.float32)}))


def test_tf_servings_loader_serves_the_same_probabilities(exported):
  """Once, with the Keras model itself as the SavedModel's root, this loader found no
  variables ('Could not find variable seed_cnn/conv1/kernel'): see trainer/export.py."""
  label_loss, directory, images, labels, raw = exported
  expected = expected_probabilities(raw, label_loss)
  for outputs in served_as_tf_serving_does(directory, images, labels):
    np.testing.assert_allclose(outputs, expected, atol=1e-5)


def test_both_signatures_serve_the_calibrated_probabilities(exported):
  label_loss, directory, images, labels, raw = exported
  expected = expected_probabilities(raw, label_loss)
  by_example, by_image = signatures(directory)
  records = tf.constant(list(serialized_examples(make_split(images, labels))))
  served_examples = by_example(examples=records)[model_format.OUTPUT_KEY].numpy()
  served_images = by_image(images=tf.constant(images[..., None]))[
      model_format.OUTPUT_KEY].numpy()
  np.testing.assert_allclose(served_examples, expected, atol=1e-5)
  np.testing.assert_allclose(served_images, expected, atol=1e-5)
  np.testing.assert_array_equal(served_images.argmax(1), raw.argmax(1))
  # A temperature below 1 sharpens: the top probability grows.
  if label_loss == 'ce':
    assert (served_images.max(1) >= raw.max(1) - 1e-6).all()


@pytest.mark.parametrize('scale,name', [(255.0, '0..255 pixels'), (-1.0, 'negative'),
                                        (np.nan, 'NaN')])
def test_input_outside_zero_one_is_refused(exported, scale, name):
  del name
  _, directory, images, labels, _ = exported
  bad = (images * scale).astype(np.float32)
  by_example, by_image = signatures(directory)
  records = tf.constant(list(serialized_examples(make_split(bad, labels))))
  for call in (lambda: by_image(images=tf.constant(bad[..., None])),
               lambda: by_example(examples=records)):
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r'images must be pixel/255 floats in \[0, 1\]'):
      call()
