"""The Transfer component: every variant changes only what it names, each trains
through the Trainer's core on the set and is measured on the eval split, and the result
carries the set's identity (components/transfer)."""

import dataclasses
import json
import os

import numpy as np
import pytest
from tfx.types import standard_artifacts

from tfx_distill.components.transfer import executor as executor_lib
from tfx_distill.components.transfer import variants
from tfx_distill.components.transfer.spec import RESULT_FILE, TransferResult
from tfx_distill.contracts import identity
from tfx_distill.contracts.architectures import TRANSFER_ARCHITECTURES
from tfx_distill.contracts.errors import ConfigError
from tfx_distill.contracts.artifacts import write_examples
from tfx_distill.contracts.example_format import make_split
from tfx_distill.trainer.settings import SmallSetTraining, TrainSettings

SMALL = SmallSetTraining(steps=6, batch_size=10).settings_for(TrainSettings(seed=3))


def test_each_variant_changes_only_what_it_names():
  for name in variants.VARIANTS:
    changed = variants.settings_of(SMALL, name)
    differs = {f.name for f in dataclasses.fields(TrainSettings)
               if getattr(changed, f.name) != getattr(SMALL, f.name)}
    if name in TRANSFER_ARCHITECTURES:
      assert changed.architecture == name and differs == {'architecture'}, name
    elif name == 'dropout':
      assert (differs, changed.dropout) == ({'dropout'}, 0.4)
    else:
      assert differs == {'small_set'}, name
      assert changed.small_set.schedule == 'constant'
      assert changed.small_set.learning_rate == {'lr3e-4': 3e-4, 'lr3e-3': 3e-3}[name]
      assert dataclasses.replace(changed.small_set, schedule=SMALL.small_set.schedule,
                                 learning_rate=SMALL.small_set.learning_rate) == (
                                     SMALL.small_set)
  assert variants.parse('mlp, dropout') == ('mlp', 'dropout')
  with pytest.raises(ConfigError, match="unknown architectures or recipes \\['resnet'\\]"):
    variants.parse('mlp,resnet')


def _examples(tmp_path):
  rng = np.random.default_rng(0)
  labels = np.repeat(np.arange(10), 3)
  images = rng.uniform(0, 0.1, (30, 28, 28)).astype(np.float32)
  images[np.arange(30), 3 + 2 * labels, 5:22] = 1.0  # a bar per class
  examples = standard_artifacts.Examples()
  examples.uri = str(tmp_path / 'examples')
  write_examples(examples, {'train': make_split(images[:10], labels[:10]),
                            'valid': make_split(images[10:20], labels[10:20]),
                            'eval': make_split(images[10:], labels[10:])})
  return examples


def test_the_executor_trains_every_variant_and_seed_through_the_core(tmp_path,
                                                                     monkeypatch):
  trained = []
  real = executor_lib.train_arrays

  def recording(images, vectors, eval_images, eval_labels, settings, **options):
    trained.append((len(images), len(eval_images), settings, options))
    return real(images, vectors, eval_images, eval_labels, settings, **options)

  monkeypatch.setattr(executor_lib, 'train_arrays', recording)
  result = TransferResult()
  result.uri = str(tmp_path / 'transfer')
  training_set = identity.distilled('nfr', 1)
  executor_lib.Executor().Do(
      {'examples': [_examples(tmp_path)]}, {'transfer': [result]},
      {'variants': 'mlp,lr3e-3', 'settings': json.dumps(dataclasses.asdict(SMALL)),
       'seeds': 2, 'training_set': training_set.to_json(), 'pipeline_name': 'p'})
  # Two variants, two seeds each, on the set's 10 images, measured on the 20 eval ones.
  assert [(n, e, s.architecture, s.seed) for n, e, s, _ in trained] == [
      (10, 20, 'mlp', 3), (10, 20, 'mlp', 4), (10, 20, 'seed_cnn', 3),
      (10, 20, 'seed_cnn', 4)]
  # The end's accuracy only, no learning curve (the same model: tests/trainer/test_fit.py).
  assert all(options == {'record_curve': False} for *_, options in trained)
  assert trained[2][2].small_set.learning_rate == 3e-3
  with open(os.path.join(result.uri, RESULT_FILE), encoding='utf-8') as handle:
    found = json.load(handle)
  assert list(found) == ['mlp', 'lr3e-3']  # the order asked for: the table's columns
  assert found['mlp']['what'] == 'mlp network' and len(found['mlp']['accuracies']) == 2
  assert all(0.0 <= a <= 1.0 for a in found['mlp']['accuracies'])
  assert found['mlp']['images_processed'] == 6 * 10  # 6 steps at a batch of 10
  assert identity.TrainingSet.from_properties(identity.read(result)) == training_set


def test_the_batch_normalised_cnn_predicts_as_it_trains():
  """cnn_bn after the small-set recipe's few hundred steps at batch 10: its inference
  (the moving statistics) is as good as its training-mode output on the images it
  learnt. With Keras' default momentum (0.99) the moving statistics lag the weights
  and the network answers near chance (11% in the demo's transfer table)."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from tfx_distill.contracts.example_format import plain_label_vectors  # pylint: disable=g-import-not-at-top
  from tfx_distill.contracts.sources import load_source  # pylint: disable=g-import-not-at-top
  from tfx_distill.trainer import model as model_lib  # pylint: disable=g-import-not-at-top
  data = load_source('sample')
  images = data.images[:200, ..., None].astype(np.float32)
  labels = data.labels[:200]
  tf.keras.utils.set_random_seed(0)
  network = model_lib.build_model('cnn_bn', 'ce', 3e-3, width=8)
  network.fit(images, plain_label_vectors(labels), batch_size=10, epochs=5, verbose=0)
  inference = (network.predict(images, verbose=0).argmax(1) == labels).mean()
  training = (network(images, training=True).numpy().argmax(1) == labels).mean()
  assert training > 0.6
  assert inference >= training - 0.1, (inference, training)
