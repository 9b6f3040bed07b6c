"""Typed configuration of the tfx-distill pipeline, with named presets.

Everything a run depends on is here, explicit and validated; runners fill in paths and
the CLI overrides single fields. `PRESETS['smoke']` is the tiny variant that tests and CI
use.
"""

import dataclasses
from typing import Dict, Tuple

from components.distiller.settings import DistillSettings
from pipeline.beam import DirectBeam

STRATEGIES = ('auto', 'default', 'one_device', 'mirrored', 'multi_worker', 'tpu')
METHODS = ('random', 'first', 'herding', 'kip', 'logreg')
ARCHITECTURES = ('seed_cnn', 'kip_convnet')
LABEL_LOSSES = ('mse', 'ce')
KERNELS = ('conv_rf', 'fc_ntk')
EVAL_SOURCES = ('split', 'test')


class ConfigError(ValueError):
  """A configuration value is out of range or unknown."""


@dataclasses.dataclass(frozen=True)
class IngestConfig:
  """Where the digits come from and how they are split."""
  data: str = 'sample'  # sample | tfds:NAME | idx:DIR | csv:PATH | npz:PATH
  eval_fraction: float = 0.2  # stratified held-out share of the source's train part
  eval_source: str = 'split'  # split: cut eval from train; test: the source's test part
  max_examples: int = 0  # cap on ingested examples (0 = all), stratified
  seed: int = 0
  tfds_data_dir: str = ''  # default: $TFDS_DATA_DIR or ~/tensorflow_datasets
  tfds_manual_dir: str = ''


# How distilled sets are made: one definition, shared with the Distiller component.
DistillConfig = DistillSettings


@dataclasses.dataclass(frozen=True)
class Candidate:
  """One small training set to compare with the full train split."""
  method: str
  images_per_class: int

  @property
  def name(self) -> str:
    return f'{self.method}_{self.images_per_class}'


@dataclasses.dataclass(frozen=True)
class TrainConfig:
  """How each CNN is trained."""
  architecture: str = 'seed_cnn'
  batch_size: int = 250  # global batch size
  epochs: int = 8  # on the full train split
  distilled_epochs: int = 300  # on small sets (they need many more passes)
  distilled_max_passes: int = 50_000  # caps epochs x images on the larger small sets
  learning_rate: float = 1e-3
  label_loss: str = 'mse'  # on sets with learned label vectors: mse or ce
  clip_images: bool = True  # clip distilled images to the valid pixel range
  augment_distilled: bool = True  # random shifts while training on small sets
  strategy: str = 'auto'
  seeds: int = 1  # each model trained this many times with different seeds
  seed: int = 0

  def epochs_for(self, num_images: int) -> int:
    """Epochs on a small set of num_images: distilled_epochs, fewer on larger sets so
    that epochs x images stays within distilled_max_passes (probes: 300 epochs at 10
    and 100 images, 100 at 500)."""
    return max(1, min(self.distilled_epochs, self.distilled_max_passes // num_images))


@dataclasses.dataclass(frozen=True)
class EvalConfig:
  """Blessing thresholds for TFMA."""
  full_min_accuracy: float = 0.9  # the full-data model's floor
  candidate_min_accuracy: float = 0.1  # every candidate's absolute floor
  max_drop: float = 0.5  # largest accuracy drop of a candidate below the full model


@dataclasses.dataclass(frozen=True)
class PipelineConfig:
  """One whole pipeline run."""
  name: str = 'tfx-distill'
  preset: str = 'smoke'
  ingest: IngestConfig = IngestConfig()
  distill: DistillConfig = DistillConfig()
  train: TrainConfig = TrainConfig()
  eval: EvalConfig = EvalConfig()
  candidates: Tuple[Candidate, ...] = (Candidate('random', 1),)
  kip_sets: Tuple[str, ...] = ()  # published KIP .npz files to import as candidates
  enable_tuner: bool = False
  enable_cache: bool = True
  beam_args: Tuple[str, ...] = DirectBeam().beam_args()  # see pipeline/beam.py

  def validate(self) -> 'PipelineConfig':
    """Raises ConfigError naming the first bad value; returns self."""
    _check(self.ingest.data.split(':')[0] in ('sample', 'tfds', 'idx', 'csv', 'npz'),
           f'ingest.data: unknown source scheme in {self.ingest.data!r} '
           '(use sample, tfds:NAME, idx:DIR, csv:PATH or npz:PATH)')
    _check(0.0 < self.ingest.eval_fraction < 1.0,
           f'ingest.eval_fraction must be in (0, 1), got {self.ingest.eval_fraction}')
    _check(self.ingest.eval_source in EVAL_SOURCES,
           f'ingest.eval_source must be one of {EVAL_SOURCES}, '
           f'got {self.ingest.eval_source!r}')
    _check(self.ingest.max_examples >= 0,
           f'ingest.max_examples must be >= 0, got {self.ingest.max_examples}')
    _check(self.distill.steps >= 0, f'distill.steps must be >= 0, got {self.distill.steps}')
    _check(self.distill.learning_rate > 0,
           f'distill.learning_rate must be > 0, got {self.distill.learning_rate}')
    _check(self.distill.kernel in KERNELS,
           f'distill.kernel must be one of {KERNELS}, got {self.distill.kernel!r}')
    _check(min(self.distill.target_batch, self.distill.num_networks, self.distill.width,
               self.distill.refresh_every) > 0,
           'distill.target_batch, num_networks, width and refresh_every must be > 0')
    _check(self.distill.ridge > 0, f'distill.ridge must be > 0, got {self.distill.ridge}')
    _check(self.distill.time_budget_s >= 0, 'distill.time_budget_s must be >= 0')
    _check(self.train.architecture in ARCHITECTURES,
           f'train.architecture must be one of {ARCHITECTURES}, '
           f'got {self.train.architecture!r}')
    _check(self.train.batch_size > 0, f'train.batch_size must be > 0, got {self.train.batch_size}')
    _check(self.train.epochs > 0 and self.train.distilled_epochs > 0,
           'train.epochs and train.distilled_epochs must be > 0')
    _check(self.train.distilled_max_passes > 0, 'train.distilled_max_passes must be > 0')
    _check(self.train.learning_rate > 0,
           f'train.learning_rate must be > 0, got {self.train.learning_rate}')
    _check(self.train.label_loss in LABEL_LOSSES,
           f'train.label_loss must be one of {LABEL_LOSSES}, got {self.train.label_loss!r}')
    _check(self.train.strategy in STRATEGIES,
           f'train.strategy must be one of {STRATEGIES}, got {self.train.strategy!r}')
    _check(self.train.seeds >= 1, f'train.seeds must be >= 1, got {self.train.seeds}')
    for name in ('full_min_accuracy', 'candidate_min_accuracy', 'max_drop'):
      value = getattr(self.eval, name)
      _check(0.0 <= value <= 1.0, f'eval.{name} must be in [0, 1], got {value}')
    _check(bool(self.candidates) or bool(self.kip_sets),
           'at least one candidate or --kip-set is needed')
    for candidate in self.candidates:
      _check(candidate.method in METHODS,
             f'candidate method must be one of {METHODS}, got {candidate.method!r}')
      _check(candidate.images_per_class >= 1,
             f'images per class must be >= 1, got {candidate.images_per_class}')
    names = [c.name for c in self.candidates]
    _check(len(set(names)) == len(names), f'duplicate candidates in {names}')
    _check(bool(self.name) and all(c.isalnum() or c == '-' for c in self.name)
           and self.name[0].isalnum() and self.name == self.name.lower(),
           f'name must match [a-z0-9][a-z0-9-]* (Kubeflow), got {self.name!r}')
    return self


def _check(condition: bool, message: str) -> None:
  if not condition:
    raise ConfigError(message)


def replace(config: PipelineConfig, **sections) -> PipelineConfig:
  """Returns config with fields of its sections replaced, e.g.
  replace(c, train={'epochs': 2}, kip_sets=('a.npz',))."""
  changes = {}
  for key, value in sections.items():
    current = getattr(config, key)
    if dataclasses.is_dataclass(current) and isinstance(value, dict):
      value = dataclasses.replace(current, **value)
    changes[key] = value
  return dataclasses.replace(config, **changes)


def parse_candidate(text: str) -> Candidate:
  """'kip:10' -> Candidate('kip', 10)."""
  method, _, size = text.partition(':')
  if not size.isdigit():
    raise ConfigError(f'candidate {text!r}: expected METHOD:IMAGES_PER_CLASS, e.g. kip:10')
  return Candidate(method, int(size))


PRESETS: Dict[str, PipelineConfig] = {
    # About a minute on 2 cores: 2,000 digits, one epoch, a random and a (5-step) KIP
    # set of one image per class.
    'smoke': PipelineConfig(
        preset='smoke',
        ingest=IngestConfig(max_examples=2000),
        distill=DistillConfig(steps=5, target_batch=200, num_networks=1),
        train=TrainConfig(epochs=1, distilled_epochs=20),
        eval=EvalConfig(full_min_accuracy=0.5, candidate_min_accuracy=0.1, max_drop=0.9),
        candidates=(Candidate('random', 1), Candidate('kip', 1)),
    ),
    # All bundled digits: the seed notebook's experiment at small scale.
    'demo': PipelineConfig(
        preset='demo',
        distill=DistillConfig(steps=1000, width=64, num_networks=4, refresh_every=50,
                              time_budget_s=240.0),
        train=TrainConfig(epochs=8, distilled_epochs=300),
        eval=EvalConfig(full_min_accuracy=0.97, candidate_min_accuracy=0.5, max_drop=0.4),
        candidates=(Candidate('random', 1), Candidate('random', 50),
                    Candidate('kip', 1), Candidate('kip', 50)),
    ),
}
PRESETS['tune'] = dataclasses.replace(PRESETS['smoke'], preset='tune', enable_tuner=True)
PRESETS['full'] = dataclasses.replace(
    PRESETS['demo'], preset='full',
    distill=DistillConfig(steps=5000, width=64, num_networks=4, refresh_every=50,
                          time_budget_s=900.0),
    train=dataclasses.replace(PRESETS['demo'].train, seeds=3))


def preset(name: str) -> PipelineConfig:
  """A named preset, validated."""
  if name not in PRESETS:
    raise ConfigError(f'unknown preset {name!r}; choose from {sorted(PRESETS)}')
  return PRESETS[name].validate()


@dataclasses.dataclass(frozen=True)
class PipelinePaths:
  """Where a run keeps its artifacts, metadata and pushed models (set by runners)."""
  pipeline_root: str
  serving_root: str
  metadata_path: str = ''  # SQLite file for local runs; empty on Kubeflow/Vertex
