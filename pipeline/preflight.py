"""What a local run checks before the pipeline starts, so that a mistake fails in
seconds with one line rather than after ingest and distillation:

- the pipeline root can be created and written, and its filesystem has room
  (MIN_FREE_BYTES);
- the training strategy can run here (`multi_worker` needs a TF_CONFIG);
- every input file exists and can be read (the fingerprints of `cache_keys`, computed
  next, stat them: a missing `--data` or `--kip-set` file, a gs:// path without
  credentials, a tfds dataset not prepared with downloads off).
"""

import os
import shutil
import tempfile

from tfx_distill.contracts.errors import ConfigError
from tfx_distill.trainer.settings import TrainSettings

# Room a run needs on the pipeline root's filesystem (a fresh smoke run writes 66 MB).
MIN_FREE_BYTES = 256 * 2**20


def check_pipeline_root(root: str, min_free: int = MIN_FREE_BYTES) -> None:
  """ConfigError unless `root` exists (or can be made), can be written and has room."""
  try:
    os.makedirs(root, exist_ok=True)
    with tempfile.TemporaryFile(dir=root):
      pass
  except OSError as e:
    raise ConfigError(f'{root}: the pipeline root cannot be written '
                      f'({e.strerror or e}); use another --pipeline-root') from None
  free = shutil.disk_usage(root).free
  if free < min_free:
    raise ConfigError(f'{root}: only {free / 2**20:.0f} MB free on its filesystem, a run '
                      f'needs at least {min_free / 2**20:.0f} MB; free some space or use '
                      'another --pipeline-root')


def check_strategy(settings: TrainSettings) -> None:
  """The training strategy's own error (a UserError) when it cannot run here."""
  from tfx_distill.trainer import strategy  # pylint: disable=g-import-not-at-top
  if settings.strategy == 'multi_worker':
    strategy.check_tf_config()
