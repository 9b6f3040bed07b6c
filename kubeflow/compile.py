"""Compiles the pipeline into a Kubeflow Pipelines v2 / Vertex AI Pipelines job spec.

`KubeflowV2DagRunner` only writes the spec; nothing runs here and nothing is uploaded:
every component names its code by importable module path (`trainer.task.run_fn`,
`components.<name>.executor.Executor`), which the container image holds.
"""

import dataclasses
import json
import os
from typing import Any, Dict, Optional

import yaml
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


def kfp_package_path(out: str) -> str:
  """Where the Kubeflow Pipelines package of the job at `out` goes: FILE.json -> FILE.yaml."""
  return os.path.splitext(out)[0] + '.yaml'


def write_kfp_package(job: Dict[str, Any], pipeline_root: str, path: str) -> None:
  """The job's PipelineSpec as the YAML package `kfp.Client` uploads and runs, with the
  pipeline root as its default (KFP has no runtimeConfig to carry it)."""
  spec = dict(job['pipelineSpec'], defaultPipelineRoot=pipeline_root)
  with open(path, 'w') as f:
    yaml.safe_dump(spec, f, sort_keys=False)


def compile_pipeline(config: PipelineConfig, deployment: Deployment,
                     out: str) -> Dict[str, Any]:
  """Writes the PipelineJob JSON of `config` for `deployment` to `out` (for Vertex AI
  Pipelines' `PipelineJob(template_path=...)`) and, for --target kubeflow, its
  PipelineSpec beside it as FILE.yaml (for `kfp.Client`); returns the job."""
  deployment.validate()
  if not out.endswith('.json'):
    raise ValueError(f'--out must name a .json file, got {out!r}')
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
    job = json.load(f)
  if deployment.target == 'kubeflow':
    write_kfp_package(job, deployment.paths().pipeline_root, kfp_package_path(out))
  return job
