"""Publishing a distilled set beside its pushed model, for use outside the pipeline.

A published set is a version directory `<base>/<version>/` holding `kip_set.npz` (the
Distiller's file, byte for byte, in the published KIP format) and `kip_set.json` (how
the set was made and how the model trained on it scored; `set_record`). The version is
the pushed model's, so a set and its model share a number. The directory is pushed as
the Pusher pushes a model (`contracts/push.py`): it appears complete or not at all (on
gs://, the JSON is written last), and a version is never overwritten.
"""

import dataclasses
import datetime
import hashlib
import os
from typing import Any, Dict, Mapping, Optional

import tensorflow as tf

from tfx_distill.contracts import kip_format
from tfx_distill.components.distiller.spec import KIP_SET_FILE
from tfx_distill.contracts.errors import DataError
from tfx_distill.contracts.example_format import MNIST_MEAN, MNIST_STD
from tfx_distill.contracts.files import read_bytes
from tfx_distill.contracts.push import push_directory
from tfx_distill.components.set_publisher.spec import RECORD_FILE

FORMAT = ('KIP .npz (numpy.load(path, allow_pickle=False)): images float32 '
          '(N, 28, 28, 1), standardised as (pixel in [0, 1] - '
          f'{MNIST_MEAN}) / {MNIST_STD}; labels float32 (N, 10), the label vectors '
          '(learned by kip; plain labels are one-hot - 0.1)')
# Distiller results recorded as counts and flags (the artifact stores every one as float).
INT_RESULTS = ('steps', 'returned_step')
BOOL_RESULTS = ('stopped_by_budget', 'returned_initial_support')


@dataclasses.dataclass(frozen=True)
class Scores:
  """The seed-0 model trained on the set, on the eval split (TFMA)."""
  accuracy: Optional[float]
  expected_calibration_error: Optional[float]
  example_count: Optional[int]


def distill_result(properties: Mapping[str, float]) -> Dict[str, Any]:
  """The Distiller's results (steps done, stopped by the time budget, final loss, ...)
  with counts as ints and flags as bools."""
  result = {}
  for key, value in sorted(properties.items()):
    if key in INT_RESULTS:
      value = int(value)
    elif key in BOOL_RESULTS:
      value = bool(value)
    result[key] = value
  return result


def set_record(kip_set: str, *, training_set: str, method: str, images_per_class: int,
               settings: Mapping[str, Any], result: Mapping[str, float], scores: Scores,
               model_path: str, model_version: str, pipeline_run_id: Optional[str],
               package_version: Optional[str], now: datetime.datetime) -> Dict[str, Any]:
  """What `kip_set.json` says about the set in the file `kip_set`; `settings`: the
  method's settings the Distiller recorded on the set ({} if none)."""
  images = kip_format.load(kip_set).images
  return {
      'training_set': training_set,
      'method': method,
      'images_per_class': images_per_class,
      'images': int(images.shape[0]),
      'file': KIP_SET_FILE,
      'sha256': hashlib.sha256(read_bytes(kip_set)).hexdigest(),
      'format': FORMAT,
      'seed': settings.get('seed'),
      'distill_settings': dict(settings),
      'distill_result': distill_result(result),
      'evaluation': {'split': 'eval', 'model_seed': 0, **dataclasses.asdict(scores)},
      'pushed_model': {'path': model_path, 'version': model_version},
      'pipeline_run_id': pipeline_run_id,
      'package_version': package_version,
      'created_at': now.isoformat(timespec='seconds'),
  }


def publish_set(staged: str, base: str, version: str) -> str:
  """Pushes the directory `staged` (kip_set.npz and kip_set.json) to `<base>/<version>`;
  returns that path. When the version already holds the same set (the step ran again
  for a cached push) it is kept; a different set there raises DataError."""
  try:
    return push_directory(staged, base, version=int(version), last_file=RECORD_FILE)[1]
  except FileExistsError:
    target = os.path.join(base, version)
    existing = os.path.join(target, KIP_SET_FILE)
    if (tf.io.gfile.exists(existing) and read_bytes(existing)
        == read_bytes(os.path.join(staged, KIP_SET_FILE))):
      return target
    raise DataError(target, 'already holds a different set for this model version; '
                    'move it away to publish again') from None
