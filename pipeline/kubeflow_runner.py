"""Compiles the pipeline for Kubeflow Pipelines v2 / Vertex AI Pipelines: the remote
counterpart of `local_runner.py`, and the only module that decides remote paths.

The pipeline is built by `create_pipeline` for the deployment's pipeline root, with the
Beam arguments of `beam` (each component's own container, or Dataflow) and its input
files fingerprinted when it runs (a SourceFingerprint step: the machine that compiles
need not reach the data, and `data` may be changed at submission), and written as a
job spec by `kubeflow/compile.py`.
"""

from typing import Any, Dict

from tfx_distill.kubeflow.compile import compile_pipeline
from tfx_distill.kubeflow.deployment import Deployment
from tfx_distill.kubeflow.runtime_parameters import runtime_parameters
from tfx_distill.pipeline.beam import BeamConfig, DirectBeam
from tfx_distill.pipeline.config import PipelineConfig, PipelinePaths
from tfx_distill.pipeline.pipeline import create_pipeline


def compile_job(config: PipelineConfig, deployment: Deployment, out: str,
                beam: BeamConfig = DirectBeam()) -> Dict[str, Any]:
  """Writes the job spec of `config` for `deployment` to `out`; returns the job."""
  deployment.validate()
  pipeline = create_pipeline(
      config, PipelinePaths(pipeline_root=deployment.root,
                            serving_root=deployment.serving_root,
                            sets_root=deployment.sets_root),
      beam_pipeline_args=list(beam.beam_args()), fingerprint_at_run_time=True,
      runtime=runtime_parameters(config))
  return compile_pipeline(pipeline, deployment, config.pipeline_name, out)
