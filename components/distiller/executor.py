"""Executor of the Distiller component: adapts artifacts, calls `distill.distill` with
the settings of its method (its execution parameters), and records those settings on
both outputs (`distill_settings`, JSON) with what the method reports.

An nfr or KIP run shows its progress on standard error (`contracts/progress.py`), warns
when its time budget stopped it before its last step, and keeps a
checkpoint in the component's `checkpoint_dir` (saved every few minutes), named by the
fingerprint of its pool and settings: an execution killed part-way is resumed by the
next one from its last checkpoint, with the same result as an uninterrupted run (unless
a time budget stopped it), and the checkpoint is removed once the set is written."""

import dataclasses
import json
import math
import os
import time
from typing import Any, Dict, List

from absl import logging
from tfx.dsl.components.base import base_executor
from tfx.types import Artifact, artifact_utils

from tfx_distill.contracts import identity, kip_format
from tfx_distill.contracts.artifacts import read_examples, write_examples
from tfx_distill.components.distiller.checkpoint import execution_checkpoint
from tfx_distill.components.distiller.distill import distill
from tfx_distill.components.distiller.keep_best import initial_support_warning
from tfx_distill.components.distiller.methods import method as method_entry
from tfx_distill.components.distiller.settings import steps_of
from tfx_distill.components.distiller.spec import (ARCHITECTURE_KEY, CHECKPOINT_DIR_KEY,
                                                   DISTILL_CPU_SECONDS, DISTILL_RESULT_KEY,
                                                   DISTILL_SECONDS,
                                                   DISTILL_SETTINGS_KEY, DISTILLED_KEY,
                                                   EXAMPLES_KEY, IMAGES_PER_CLASS_KEY,
                                                   KIP_SET_FILE, KIP_SET_KEY, METHOD_KEY)
from tfx_distill.contracts.example_format import (EVAL, TRAIN, VALID, make_split,
                                                   unstandardise)
from tfx_distill.contracts.parameters import from_properties
from tfx_distill.contracts.progress import ProgressLine, duration

RESUMED_FROM_STEP = 'resumed_from_step'


class Executor(base_executor.BaseExecutor):

  def Do(self, input_dict: Dict[str, List[Artifact]],
         output_dict: Dict[str, List[Artifact]],
         exec_properties: Dict[str, Any]) -> None:
    ingested = artifact_utils.get_single_instance(input_dict[EXAMPLES_KEY])
    pool = read_examples(ingested, TRAIN)
    method = exec_properties[METHOD_KEY]
    settings = from_properties(method_entry(method).settings, exec_properties)
    images_per_class = exec_properties[IMAGES_PER_CLASS_KEY]
    architecture = exec_properties.get(ARCHITECTURE_KEY) or 'seed_cnn'
    checkpoint = execution_checkpoint(exec_properties.get(CHECKPOINT_DIR_KEY) or '',
                                      settings, method, images_per_class, ingested.uri,
                                      architecture)
    resume = checkpoint.load() if checkpoint else None
    if resume is not None:
      logging.info('distill %s: resuming from step %d (%s)', method, resume.step,
                   checkpoint.path)
    spent = resume.elapsed_s if resume else 0.0
    steps = steps_of(settings, images_per_class)
    budget = getattr(settings, 'time_budget_s', 0.0)
    progress = ProgressLine(steps, start_step=resume.step if resume else 0,
                            budget_s=max(budget - spent, 0.0) if budget else 0.0)
    wall, cpu = time.perf_counter(), time.process_time()
    result = distill(pool.images, pool.labels, method, images_per_class, settings,
                     progress=progress, checkpoint=checkpoint.save if checkpoint else None,
                     resume=resume, architecture=architecture)
    # What the set cost to make: wall and CPU seconds (a resumed run adds the wall time
    # its checkpoint had spent; its CPU seconds are this execution's).
    cost = {DISTILL_SECONDS: spent + time.perf_counter() - wall,
            DISTILL_CPU_SECONDS: time.process_time() - cpu}
    if result.info.get('stopped_by_budget'):
      logging.warning(
          'Distiller %s %d per class: the time budget (%s) stopped it at step %d of %d; '
          'the set is the best one so far (raise --time-budget or lower --steps for all '
          'steps)', method, images_per_class, duration(budget),
          int(result.info.get('steps', 0)), steps)
    if result.info.get('returned_initial_support'):
      logging.warning(initial_support_warning(method, images_per_class, result.info))
    kip_set = artifact_utils.get_single_instance(output_dict[KIP_SET_KEY])
    kip_format.save(os.path.join(kip_set.uri, KIP_SET_FILE), result.images, result.labels)
    distilled = artifact_utils.get_single_instance(output_dict[DISTILLED_KEY])
    write_examples(distilled, {
        TRAIN: make_split(unstandardise(result.images[..., 0]), result.classes,
                          result.labels),
        VALID: read_examples(ingested, VALID), EVAL: read_examples(ingested, EVAL)})
    for artifact in (distilled, kip_set):
      # Its training set (method, images per class, architecture: contracts/identity.py).
      identity.write(artifact, identity.distilled(
          method, images_per_class, architecture,
          method_entry(method).reference).properties())
      artifact.set_string_custom_property(
          DISTILL_SETTINGS_KEY, json.dumps(dataclasses.asdict(settings), sort_keys=True))
      finite = {key: float(value) for key, value in {**result.info, **cost}.items()
                if math.isfinite(value)}  # ML Metadata stores no NaN or infinity
      for key, value in finite.items():
        artifact.set_float_custom_property(key, value)
      artifact.set_string_custom_property(DISTILL_RESULT_KEY,
                                          json.dumps(finite, sort_keys=True))
      if resume is not None:
        artifact.set_int_custom_property(RESUMED_FROM_STEP, resume.step)
    if checkpoint:
      checkpoint.remove()
