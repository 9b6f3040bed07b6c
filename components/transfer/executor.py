"""Executor of the Transfer component: reads the set and the eval split, trains every
variant through the Trainer's core (trainer/fit.py `train_arrays`), writes
transfer.json and the set's identity on the result."""

import dataclasses
import json
import os
from typing import Any, Dict, List

import tensorflow as tf
from absl import logging
from tfx.dsl.components.base import base_executor
from tfx.types import Artifact, artifact_utils

from tfx_distill.components.transfer import variants as variants_lib
from tfx_distill.components.transfer.spec import (EXAMPLES_KEY, PIPELINE_KEY, RESULT_FILE,
                                                  RESULT_KEY, SEEDS_KEY, SETTINGS_KEY,
                                                  TRAINING_SET_KEY, VARIANTS_KEY)
from tfx_distill.contracts import identity
from tfx_distill.contracts.artifacts import read_examples
from tfx_distill.contracts.example_format import EVAL, TRAIN
from tfx_distill.contracts.parameters import from_dict
from tfx_distill.trainer.fit import train_arrays
from tfx_distill.trainer.settings import TrainSettings


def transfer(train, evaluation, settings: TrainSettings, names, seeds: int,
             label: str = '') -> Dict[str, dict]:
  """{variant: what, accuracies (one per seed), images_processed, fit_seconds (means)}
  of a set (a Split: images, label vectors) trained with each variant."""
  results = {}
  for name in names:
    runs = []
    for k in range(seeds):
      changed = dataclasses.replace(variants_lib.settings_of(settings, name),
                                    seed=settings.seed + k)
      # The end's accuracy only: no learning curve (its ten passes over the eval split
      # would double a variant's time; the same model, tests/trainer/test_fit.py).
      runs.append(train_arrays(train.images, train.label_vectors, evaluation.images,
                               evaluation.labels, changed, record_curve=False))
    results[name] = {
        'what': variants_lib.VARIANTS[name][0],
        'accuracies': [run['accuracy'] for run in runs],
        'images_processed': sum(r['images_processed'] for r in runs) / len(runs),
        'fit_seconds': sum(r['fit_seconds'] for r in runs) / len(runs)}
    logging.info('%s %s: %s', label, name, ', '.join(
        f'{100 * a:.1f}%' for a in results[name]['accuracies']))
  return results


class Executor(base_executor.BaseExecutor):

  def Do(self, input_dict: Dict[str, List[Artifact]],
         output_dict: Dict[str, List[Artifact]], exec_properties: Dict[str, Any]) -> None:
    examples = artifact_utils.get_single_instance(input_dict[EXAMPLES_KEY])
    settings = from_dict(TrainSettings, json.loads(exec_properties[SETTINGS_KEY]), 'train')
    training_set = identity.TrainingSet.from_json(exec_properties[TRAINING_SET_KEY])
    results = transfer(read_examples(examples, TRAIN), read_examples(examples, EVAL),
                       settings, variants_lib.parse(exec_properties[VARIANTS_KEY]),
                       int(exec_properties[SEEDS_KEY]), f'Transfer_{training_set.name}')
    result = artifact_utils.get_single_instance(output_dict[RESULT_KEY])
    tf.io.gfile.makedirs(result.uri)
    with tf.io.gfile.GFile(os.path.join(result.uri, RESULT_FILE), 'w') as handle:
      handle.write(json.dumps(results, indent=1))  # in --architectures' order
    identity.write(result, {**training_set.properties(),
                            identity.PIPELINE: exec_properties[PIPELINE_KEY]})
