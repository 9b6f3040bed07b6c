"""Does an older TensorFlow serve a pushed model? (Vertex AI's newest prebuilt
TensorFlow prediction container is 2.15; the models are written by 2.16.)

    scripts/check-serving-tf.sh MODEL_DIR [TF_VERSION]

runs this twice: with the project's TensorFlow (`--reference OUT.npz`: both signatures'
outputs on 16 bundled digits), then, in a virtualenv with tensorflow-cpu==TF_VERSION and
nothing of this package (`--check REF.npz`), loads the model the two ways a server does:
`tf.saved_model.load` (Python), and TensorFlow's graph loader (a MetaGraph imported into
a session, its variables restored by the saver's op: the path of TensorFlow Serving and
`saved_model_cli run`), and prints the largest difference of each signature's outputs
from the reference. Exit status 1 when a load or a call fails or a difference exceeds
1e-5."""

import argparse
import sys

import numpy as np

INDICES = np.arange(16) * 617  # digits spread over the bundled set


def reference(model_dir: str, out: str) -> None:
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from tfx_distill.contracts import sources  # pylint: disable=g-import-not-at-top
  from tfx_distill.contracts.example_format import make_split, serialized_examples  # pylint: disable=g-import-not-at-top
  data = sources.load_source('sample')
  images, labels = data.images[INDICES].astype(np.float32), data.labels[INDICES]
  examples = list(serialized_examples(make_split(images, labels)))
  model = tf.saved_model.load(model_dir)
  np.savez(out, images=images, examples=np.array(examples, dtype=object),
           by_example=model.signatures['serving_default'](
               examples=tf.constant(examples))['outputs'].numpy(),
           by_image=model.signatures['serving_images'](
               images=tf.constant(images[..., None]))['outputs'].numpy(),
           version=tf.__version__)


def check(model_dir: str, reference_file: str) -> int:
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  ref = np.load(reference_file, allow_pickle=True)  # our own file, written just before
  examples = [bytes(e) for e in ref['examples']]
  images = ref['images'][..., None].astype(np.float32)
  print(f'TensorFlow {tf.__version__} (reference: {ref["version"]})')
  worst = 0.0
  loaded = tf.saved_model.load(model_dir)
  for name, outputs in (
      ('python serving_default', loaded.signatures['serving_default'](
          examples=tf.constant(examples))['outputs'].numpy() - ref['by_example']),
      ('python serving_images', loaded.signatures['serving_images'](
          images=tf.constant(images))['outputs'].numpy() - ref['by_image'])):
    print(f'{name}: max |difference| {np.abs(outputs).max():.3g}')
    worst = max(worst, float(np.abs(outputs).max()))
  with tf.compat.v1.Session(graph=tf.Graph()) as session:
    meta = tf.compat.v1.saved_model.loader.load(session, ['serve'], model_dir)
    for signature, feed, expected in (('serving_default', examples, ref['by_example']),
                                      ('serving_images', images, ref['by_image'])):
      definition = meta.signature_def[signature]
      [input_tensor] = definition.inputs.values()
      outputs = session.run(definition.outputs['outputs'].name, {input_tensor.name: feed})
      difference = float(np.abs(outputs - expected).max())
      print(f'graph loader (TF Serving) {signature}: max |difference| {difference:.3g}')
      worst = max(worst, difference)
  return 0 if worst <= 1e-5 else 1


def main() -> int:
  parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
  parser.add_argument('model_dir')
  parser.add_argument('--reference')
  parser.add_argument('--check')
  args = parser.parse_args()
  if args.reference:
    reference(args.model_dir, args.reference)
    return 0
  return check(args.model_dir, args.check)


if __name__ == '__main__':
  sys.exit(main())
