"""The demo experiment without TFX: the same data, distillation, training and evaluation
as `tfx-distill run --preset PRESET`, in one process with Keras alone.

It is the baseline of bench/pipeline_overhead.py. It uses the repository's own pieces
for what the pipeline's components compute (the Ingest splits, `distill`, the model
definition, the targets) and plain Keras for the rest: `fit` on in-memory arrays,
`predict` on the eval split, accuracy overall and per class (TFMA's slices), the
candidate-vs-full comparison, and a SavedModel export of every model. No statistics,
schema or anomaly checks, no metadata, no artifacts on disk besides the models.

    .venv/bin/python bench/plain_experiment.py --preset demo --out /tmp/plain
"""

import argparse
import json
import os
import time

os.environ.setdefault('TF_USE_LEGACY_KERAS', '0')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

import keras  # pylint: disable=g-import-not-at-top,wrong-import-position
import numpy as np  # pylint: disable=g-import-not-at-top,wrong-import-position
import tensorflow as tf  # pylint: disable=g-import-not-at-top,wrong-import-position

from tfx_distill.components.distiller.distill import distill  # pylint: disable=g-import-not-at-top,wrong-import-position
from tfx_distill.contracts.example_format import NUM_CLASSES, plain_label_vectors, unstandardise  # pylint: disable=g-import-not-at-top,wrong-import-position
from tfx_distill.components.ingest.ingest import build_splits  # pylint: disable=g-import-not-at-top,wrong-import-position
from tfx_distill.pipeline import config as config_lib  # pylint: disable=g-import-not-at-top,wrong-import-position
from tfx_distill.trainer import data, model as model_lib, recipe  # pylint: disable=g-import-not-at-top,wrong-import-position


def training_sets(config, train):
  """{name: (images (N, 28, 28), label vectors, plain labels?, train settings)} and the
  seconds each distillation took."""
  sets = {'full': (train.images, train.label_vectors, True, config.train)}
  seconds = {}
  for candidate in config.candidates:
    start = time.perf_counter()
    result = distill(train.images, train.labels, candidate.method,
                     candidate.images_per_class, config.distill.settings(candidate.method))
    seconds[candidate.name] = time.perf_counter() - start
    plain = bool(np.allclose(result.labels, plain_label_vectors(result.classes)))
    sets[candidate.name] = (unstandardise(result.images[..., 0]), result.labels, plain,
                            config.small_sets.settings_for(config.train))
  return sets, seconds


def train_and_evaluate(train, images, vectors, plain, seed, evaluation, out):
  """Trains one model like trainer.task.run_fn (same plan and input pipeline, on
  in-memory arrays; no early stopping or calibration), exports it, returns its eval
  accuracy overall and per class."""
  keras.utils.set_random_seed(seed)
  label_loss = model_lib.loss_for(train.label_loss, plain)
  plan = recipe.plan_for(train, len(images))
  x = images[..., None]
  if train.clip_images:
    x = np.clip(x, 0.0, 1.0)
  examples = tf.data.Dataset.from_tensor_slices(
      (x.astype(np.float32), np.argmax(vectors, axis=1), vectors.astype(np.float32)))
  dataset = data.batches(examples, label_loss, plan.batch_size, shuffle=True, seed=seed,
                         max_shift=plan.max_shift, repeat=plan.repeat)
  model = model_lib.build_model(train.architecture, label_loss, recipe.learning_rate(plan),
                                clip_norm=plan.clip_norm)
  model.fit(dataset, epochs=1 if plan.repeat else plan.epochs,
            steps_per_epoch=plan.steps if plan.repeat else None, verbose=0)
  outputs = model.predict(evaluation.images[..., None], batch_size=1000, verbose=0)
  predicted = np.argmax(outputs, axis=-1)
  correct = predicted == evaluation.labels
  model.export(out, verbose=False)
  return {'accuracy': float(correct.mean()),
          'per_class': [float(correct[evaluation.labels == c].mean())
                        for c in range(NUM_CLASSES)]}


def run(config, out: str) -> dict:
  splits = build_splits(config.ingest)
  sets, distill_seconds = training_sets(config, splits['train'])
  results = {}
  for name, (images, vectors, plain, train) in sets.items():
    for k in range(config.seeds):
      results[f'{name}_s{k}'] = train_and_evaluate(
          train, images, vectors, plain, config.train.seed + k, splits['eval'],
          os.path.join(out, name, f's{k}'))
  for key, result in results.items():
    seed = key.rsplit('_s', 1)[1]
    result['accuracy_diff'] = result['accuracy'] - results[f'full_s{seed}']['accuracy']
  return {'distill_seconds': distill_seconds, 'models': results}


def main() -> None:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--preset', default='demo', choices=sorted(config_lib.PRESETS))
  parser.add_argument('--out', required=True, help='directory for the exported models')
  parser.add_argument('--summary', help='write the results as JSON here')
  args = parser.parse_args()
  summary = run(config_lib.preset(args.preset), args.out)
  print(json.dumps(summary, indent=1))
  if args.summary:
    with open(args.summary, 'w') as f:
      json.dump(summary, f, indent=1)


if __name__ == '__main__':
  main()
