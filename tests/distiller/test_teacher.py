"""nfr's --label-init teacher: the initial labels are the logits of a network trained on
the target images only, and that network learns the classes."""

import dataclasses

import numpy as np

from tfx_distill.components.distiller import keep_best, model_pool, nfr, teacher
from tfx_distill.contracts.example_format import plain_label_vectors
from tests.distiller.test_distill import _digits
from tests.distiller.test_nfr import TINY, record_batches

TEACHER = dataclasses.replace(TINY, label_init='teacher', teacher_steps=40)


def test_teacher_labels_are_a_trained_networks_logits_from_target_images_only(
    monkeypatch):
  images, labels = _digits()
  images = images.reshape(-1, 28, 28, 1)
  candidates, held = keep_best.split_holdout(labels, TEACHER)
  drawn = record_batches(monkeypatch, teacher)
  pool = model_pool.Pool(TEACHER, 'seed_cnn')
  state = nfr.initial_state(images, labels, candidates, TEACHER, 1, pool, 'seed_cnn')
  assert len(drawn) == TEACHER.teacher_steps
  assert not set(np.concatenate(drawn)) & set(held)  # never a held-out image
  params = teacher.train_teacher('seed_cnn', images, labels, candidates,
                                 TEACHER.teacher_steps, TEACHER.seed)
  np.testing.assert_allclose(state.labels,
                             teacher.teacher_labels('seed_cnn', params, state.images),
                             atol=1e-6)
  assert not np.allclose(state.labels, plain_label_vectors(state.classes), atol=0.05)
  # The teacher has learnt the classes: its logits pick them on the held-out images.
  held_logits = teacher.teacher_labels('seed_cnn', params, images[held])
  assert np.mean(held_logits.argmax(1) == labels[held]) >= 0.6  # chance: 0.1


def test_plain_labels_stay_the_default():
  images, labels = _digits()
  pool = model_pool.Pool(TINY, 'kip_convnet')
  state = nfr.initial_state(images.reshape(-1, 28, 28, 1), labels,
                            np.arange(len(labels)), TINY, 1, pool)
  np.testing.assert_array_equal(state.labels, plain_label_vectors(state.classes))
