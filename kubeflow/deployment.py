"""Where a compiled pipeline runs: the orchestrator, the pipeline root, the image and,
on Vertex, the Trainers' worker pools. Light (no TFX import), so that the command line
can offer its choices without loading TFX."""

import dataclasses
from typing import TYPE_CHECKING, Optional

from tfx_distill.components.errors import check

if TYPE_CHECKING:
  from tfx_distill.kubeflow.vertex_training import VertexTraining  # pylint: disable=g-bad-import-order

TARGETS = ('vertex', 'kubeflow')
REMOTE_SCHEMES = ('gs://', 's3://')


@dataclasses.dataclass(frozen=True)
class Deployment:
  """Where the compiled pipeline runs: orchestrator, storage, image and Trainers."""
  target: str  # vertex | kubeflow
  pipeline_root: str  # gs://... (Vertex); gs:// or s3:// (Kubeflow)
  image: str  # the image built from kubeflow/Dockerfile
  vertex_training: Optional['VertexTraining'] = None  # Trainers as Vertex CustomJobs

  def validate(self) -> 'Deployment':
    """Raises ConfigError naming the first bad value; returns self."""
    check(self.target in TARGETS, f'target must be one of {TARGETS}, got {self.target!r}')
    schemes = ('gs://',) if self.target == 'vertex' else REMOTE_SCHEMES
    check(self.pipeline_root.startswith(schemes),
          f'--pipeline-root must start with {" or ".join(schemes)} for {self.target}, '
          f'got {self.pipeline_root!r}')
    check(bool(self.image), 'an image is required (build kubeflow/Dockerfile and push it)')
    check(self.vertex_training is None or self.target == 'vertex',
          'Vertex training is only available with --target vertex')
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
