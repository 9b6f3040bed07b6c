"""Where the digits come from and how they are split: the Ingest component's settings,
defined once for the pipeline config, the component and the command line."""

import dataclasses

from tfx_distill.contracts.sources import SOURCES, TfdsOptions, usage
from tfx_distill.contracts.errors import check
from tfx_distill.contracts.options import option

EVAL_SOURCES = ('split', 'test')


@dataclasses.dataclass(frozen=True)
class IngestSettings:
  """A source (`data`, one of sources.SOURCES) cut into
  stratified, seeded `train`, `valid` and `eval` splits (contracts/example_format.py)."""
  data: str = option('sample', '--data', usage())
  eval_fraction: float = option(0.2, '--eval-fraction',
                                "held-out share of the source's train part")
  valid_fraction: float = option(0.1, '--valid-fraction',
                                 'share of the train part held out as `valid` (early '
                                 'stopping, calibration; never the eval split)')
  eval_source: str = option('split', '--eval-source',
                            "split: cut eval out of the train part; test: the source's "
                            'own test part (tfds, idx, npz with x_test)', EVAL_SOURCES)
  max_examples: int = option(0, '--max-examples',
                             'cap on ingested examples, stratified (0 = all)')
  seed: int = option(0, '--split-seed', 'seed of the stratified split and cap')
  tfds_data_dir: str = option('', '--tfds-data-dir',
                              'tfds data dir (default $TFDS_DATA_DIR)')
  tfds_manual_dir: str = option('', '--tfds-manual-dir', 'tfds manual download dir')
  tfds_download: bool = option(True, '--tfds-download',
                               'download a tfds dataset not yet prepared in the data dir '
                               '(--no-tfds-download: refuse at once, e.g. offline)')

  @property
  def scheme(self) -> str:
    return self.data.partition(':')[0]

  @property
  def tfds_options(self) -> TfdsOptions:
    return TfdsOptions(self.tfds_data_dir, self.tfds_manual_dir, self.tfds_download)

  def validate(self) -> 'IngestSettings':
    """Raises ConfigError naming the first bad value; returns self."""
    check(self.scheme in SOURCES,
          f'ingest.data: unknown source scheme in {self.data!r} '
          f'(use {usage(", ", " or ")})')
    check(0.0 < self.eval_fraction < 1.0,
          f'ingest.eval_fraction must be in (0, 1), got {self.eval_fraction}')
    check(0.0 < self.valid_fraction < 1.0,
          f'ingest.valid_fraction must be in (0, 1), got {self.valid_fraction}')
    check(self.eval_source in EVAL_SOURCES,
          f'ingest.eval_source must be one of {EVAL_SOURCES}, got {self.eval_source!r}')
    check(self.max_examples >= 0,
          f'ingest.max_examples must be >= 0, got {self.max_examples}')
    return self
