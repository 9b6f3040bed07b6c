"""Where a compiled pipeline runs: the orchestrator, the pipeline root, the image, what
the heavy steps ask the platform for and, on Vertex, the Trainers' worker pools and the
Model Registry the Pushers upload to. Light
(no TFX import), so that the command line can offer its choices without loading TFX."""

import dataclasses
import re
from typing import Any, Dict, Optional

from tfx_distill.contracts.errors import check

TARGETS = ('vertex', 'kubeflow')
REMOTE_SCHEMES = ('gs://',)
# Roots refused with a reason. S3 would need, in every step: TensorFlow's S3 filesystem
# registered (tensorflow-io's plugin; the image has tensorflow-io 0.24.0, whose S3 works
# under TF 2.16.2, but no step imports it, so TFX's executors see no 's3' scheme), and
# Beam's S3 filesystem with boto3 (apache-beam[aws], not in the image) for the Beam
# components (StatisticsGen, ExampleValidator, Evaluator); none of it is tested.
UNSUPPORTED_ROOTS = {
    's3://': ('s3:// pipeline roots are not supported: the steps cannot write to S3 '
              "(TensorFlow's S3 filesystem is not registered in them and Beam's needs "
              'boto3, which the image lacks); use a gs:// bucket'),
}


# Vertex AI (e.g. NVIDIA_TESLA_T4, NVIDIA_L4) or Kubernetes (nvidia.com/gpu).
ACCELERATOR = re.compile(r'^[A-Za-z0-9_./-]+$')
# No TPU anywhere: a TPU Trainer would need a TPU variant of the image (Cloud TPU's
# TensorFlow 2.16 wheel and its libtpu, neither on PyPI), TPUStrategy and a TPU worker
# pool, none of which can be built or run here (README, "GPUs (and why no TPU)").
NO_TPU = ('TPUs are not supported: the image has the CPU/GPU build of TensorFlow 2.16 and '
          'no TPU path has been built or tested (README, "GPUs (and why no TPU)"); use a '
          'GPU such as NVIDIA_TESLA_T4, or CPUs')


def is_tpu(accelerator_type: str, machine_type: str = '') -> bool:
  """Whether a Vertex accelerator (TPU_V2, TPU_V3, TPU_V5_LITEPOD, ...) or machine type
  (cloud-tpu, ct5lp-hightpu-4t, ct6e-...) is a TPU."""
  return (accelerator_type.upper().startswith('TPU')
          or machine_type.startswith(('cloud-tpu', 'ct')))


@dataclasses.dataclass(frozen=True)
class Resources:
  """What one step asks the platform for: vCPUs and memory (limits; Vertex picks the
  smallest machine that has them), and accelerators. 0 / '' leave the platform's
  default (Vertex AI Pipelines: e2-standard-4, 4 vCPUs and 16 GB)."""
  cpu: float = 0.0
  memory_gb: float = 0.0
  accelerator_type: str = ''  # Vertex: NVIDIA_TESLA_T4, ...; Kubeflow: nvidia.com/gpu
  accelerator_count: int = 0

  def validate(self, step: str) -> 'Resources':
    check(self.cpu >= 0 and self.memory_gb >= 0,
          f'{step}: cpu and memory must be >= 0, got {self.cpu} and {self.memory_gb}')
    check(bool(self.accelerator_type) == (self.accelerator_count > 0),
          f'{step}: an accelerator needs a type and a count > 0, got '
          f'{self.accelerator_type!r} x {self.accelerator_count}')
    check(not self.accelerator_type or bool(ACCELERATOR.match(self.accelerator_type)),
          f'{step}: bad accelerator type {self.accelerator_type!r}')
    check(not is_tpu(self.accelerator_type), f'{step}: {NO_TPU}')
    return self

  def __bool__(self) -> bool:
    return bool(self.cpu or self.memory_gb or self.accelerator_count)


# What the heavy steps ask for by default, per preset (the others: the platform's
# default machine). Accelerators only on request (--distiller-accelerator,
# --trainer-accelerator): GPU quota and types differ per project and cluster.
PRESET_RESOURCES: Dict[str, Dict[str, Resources]] = {
    'demo': {'distiller': Resources(cpu=8, memory_gb=32),
             'trainer': Resources(cpu=8, memory_gb=32)},
    'full': {'distiller': Resources(cpu=16, memory_gb=64),
             'trainer': Resources(cpu=8, memory_gb=32)},
}


@dataclasses.dataclass(frozen=True)
class Deployment:
  """Where the compiled pipeline runs: orchestrator, storage, image and Trainers."""
  target: str  # vertex | kubeflow
  pipeline_root: str  # gs://... (Vertex and Kubeflow; s3:// is refused)
  image: str  # the image built from kubeflow/Dockerfile
  # Trainers as Vertex CustomJobs: a vertex_training.VertexTraining (which imports
  # TFX and this module's TPU check, so it is not imported here).
  vertex_training: Optional[Any] = None
  distiller: Resources = Resources()  # each Distiller step
  trainer: Resources = Resources()  # each Trainer and Tuner step training in the pipeline
  model_registry: Optional[Any] = None  # --push-to vertex: a model_registry.ModelRegistry

  def validate(self) -> 'Deployment':
    """Raises ConfigError naming the first bad value; returns self."""
    check(self.target in TARGETS, f'target must be one of {TARGETS}, got {self.target!r}')
    for scheme, reason in UNSUPPORTED_ROOTS.items():
      check(not self.pipeline_root.startswith(scheme), f'--pipeline-root: {reason}')
    schemes = REMOTE_SCHEMES
    check(self.pipeline_root.startswith(schemes),
          f'--pipeline-root must start with {" or ".join(schemes)} for {self.target}, '
          f'got {self.pipeline_root!r}')
    check(bool(self.image), 'an image is required (build kubeflow/Dockerfile and push it)')
    check(self.vertex_training is None or self.target == 'vertex',
          'Vertex training is only available with --target vertex')
    if self.model_registry is not None:  # it uploads from the (gs://) pipeline root
      self.model_registry.validate()
    self.distiller.validate('distiller')
    self.trainer.validate('trainer')
    return self

  @property
  def root(self) -> str:
    """Where the pipeline's artifacts go."""
    return self.pipeline_root.rstrip('/')

  @property
  def serving_root(self) -> str:
    """Where the Pushers push."""
    return f'{self.root}/serving'

  @property
  def sets_root(self) -> str:
    """Where the SetPublishers publish the distilled sets of pushed models."""
    return f'{self.root}/distilled_sets'
