"""Compiles the pipeline into a Kubeflow Pipelines v2 / Vertex AI Pipelines job spec.

`KubeflowV2DagRunner` only writes the spec; nothing runs here and nothing is uploaded:
every component names its code by importable module path (`trainer.task.run_fn`,
`components.<name>.executor.Executor`), which the container image holds.
"""

import dataclasses
import json
import os
from typing import Any, Dict, Optional

from tfx.orchestration.kubeflow.v2 import kubeflow_v2_dag_runner

from pipeline.beam import BeamConfig, DirectBeam
from pipeline.config import PipelineConfig, PipelinePaths
from pipeline.pipeline import create_pipeline
from kubeflow.vertex_training import train_on_vertex
from trainer.vertex import VertexTraining

TARGETS = ('vertex', 'kubeflow')
REMOTE_SCHEMES = ('gs://', 's3://')


@dataclasses.dataclass(frozen=True)
class Deployment:
  """Where the compiled pipeline runs: orchestrator, storage, image, Beam and Trainer."""
  target: str  # vertex | kubeflow
  pipeline_root: str  # gs://... (Vertex); gs:// or s3:// (Kubeflow)
  image: str  # the image built from kubeflow/Dockerfile
  beam: BeamConfig = DirectBeam()
  vertex_training: Optional[VertexTraining] = None  # Trainers as Vertex CustomJobs

  def validate(self) -> 'Deployment':
    if self.target not in TARGETS:
      raise ValueError(f'target must be one of {TARGETS}, got {self.target!r}')
    schemes = ('gs://',) if self.target == 'vertex' else REMOTE_SCHEMES
    if not self.pipeline_root.startswith(schemes):
      raise ValueError(f'--pipeline-root must start with {" or ".join(schemes)} for '
                       f'{self.target}, got {self.pipeline_root!r}')
    if not self.image:
      raise ValueError('an image is required (build kubeflow/Dockerfile and push it)')
    if self.vertex_training is not None and self.target != 'vertex':
      raise ValueError('Vertex training is only available with --target vertex')
    return self

  def paths(self) -> PipelinePaths:
    root = self.pipeline_root.rstrip('/')
    return PipelinePaths(pipeline_root=root, serving_root=f'{root}/serving')


def compile_pipeline(config: PipelineConfig, deployment: Deployment,
                     out: str) -> Dict[str, Any]:
  """Writes the PipelineJob JSON of `config` for `deployment` to `out`; returns it."""
  deployment.validate()
  pipeline = create_pipeline(config, deployment.paths(),
                             beam_pipeline_args=list(deployment.beam.beam_args()))
  if deployment.vertex_training is not None:
    train_on_vertex(pipeline, deployment.vertex_training)
  runner = kubeflow_v2_dag_runner.KubeflowV2DagRunner(
      config=kubeflow_v2_dag_runner.KubeflowV2DagRunnerConfig(
          display_name=f'{config.name}-{config.preset}', default_image=deployment.image),
      output_dir=os.path.dirname(os.path.abspath(out)),
      output_filename=os.path.basename(out))
  if os.path.exists(out):
    os.remove(out)
  runner.run(pipeline)
  with open(out) as f:
    return json.load(f)
