"""`compile`'s own options: where the compiled pipeline runs (orchestrator, storage,
image, Beam, Vertex training, the heavy steps' machines), turned into a kubeflow
Deployment and a Beam config."""

import argparse
import dataclasses
import re
from importlib import metadata

from tfx_distill.contracts.errors import ConfigError
from tfx_distill.kubeflow.deployment import (PRESET_RESOURCES, TARGETS, Deployment,
                                             Resources)
from tfx_distill.pipeline import beam as beam_lib

# Memory units of --*-memory, in GB (Kubernetes' spelling: G = 10^9, Gi = 2^30 bytes).
MEMORY_UNITS = {'': 1.0, 'G': 1.0, 'M': 1e-3, 'Gi': 2**30 / 1e9, 'Mi': 2**20 / 1e9,
                'T': 1e3, 'Ti': 2**40 / 1e9}


def add_deployment_options(p: argparse.ArgumentParser) -> None:
  p.add_argument('--target', required=True, choices=TARGETS)
  p.add_argument('--out', required=True, help='the PipelineJob JSON file to write')
  p.add_argument('--pipeline-root', required=True,
                 help='gs://... for artifacts (s3:// is not supported)')
  p.add_argument('--image', help='the image built from kubeflow/Dockerfile (default: '
                 'REGION-docker.pkg.dev/PROJECT/tfx-distill/tfx-distill:VERSION)')
  p.add_argument('--project', default='', help='Google Cloud project')
  p.add_argument('--region', default='', help='Google Cloud region, e.g. europe-west4')
  p.add_argument('--beam', default='direct', choices=('direct', 'dataflow'),
                 help='run the Beam components in their container or on Dataflow')
  p.add_argument('--dataflow-size', default='small',
                 choices=sorted(beam_lib.DATAFLOW_MACHINES))
  p.add_argument('--temp-location', help='Dataflow temp gs:// path '
                 '(default PIPELINE_ROOT/tmp)')
  p.add_argument('--dataflow-service-account', default='',
                 help="the Dataflow workers' service account (default: Compute Engine's "
                 'default service account of --project)')
  p.add_argument('--trainer-in-pipeline', action='store_true',
                 help='vertex: train inside the pipeline step, not as a CustomJob')
  p.add_argument('--trainer-machine-type', default='n1-standard-8')
  p.add_argument('--trainer-accelerator', default='',
                 help='TYPE:COUNT per Vertex training replica, e.g. NVIDIA_TESLA_T4:1 (GPUs '
                 'only, no TPU); when training in the pipeline, for each Trainer step')
  p.add_argument('--trainer-workers', type=int, default=0,
                 help='further worker replicas for multi-worker training')
  p.add_argument('--service-account', default='', help='for the Vertex training jobs '
                 "(the pipeline's service account needs iam.serviceAccountUser on it)")
  p.add_argument('--push-to', default='filesystem', choices=('filesystem', 'vertex'),
                 help='filesystem: each blessed model goes to PIPELINE_ROOT/serving/'
                 '<training set>/<version>/; vertex: there and into the Vertex AI Model '
                 'Registry (model <pipeline>-<training set>, labels: training set, '
                 'accuracy)')
  p.add_argument('--serving-image', default='', help='--push-to vertex: the prediction '
                 'container (default: the prebuilt TensorFlow 2.15 CPU one of the region)')
  p.add_argument('--vertex-endpoint', default='', help='--push-to vertex: deploy every '
                 'push of --vertex-endpoint-set to this endpoint (display name; created '
                 'if missing), replacing the version it served')
  p.add_argument('--vertex-endpoint-set', default='full',
                 help='the training set whose pushes --vertex-endpoint serves '
                 '(default full)')
  p.add_argument('--serving-machine-type', default='n1-standard-2',
                 help='--vertex-endpoint: the machine of each serving replica')
  for step, what in (('distiller', 'each Distiller step'),
                     ('trainer', 'each Trainer step training in the pipeline (--target '
                      'kubeflow or --trainer-in-pipeline) and the Tuner')):
    p.add_argument(f'--{step}-cpu', type=float, help=f'vCPUs for {what} (default: the '
                   "preset's, see kubeflow/README.md, else the platform's)")
    p.add_argument(f'--{step}-memory', help=f'memory for {what}, e.g. 32G or 16Gi')
  p.add_argument('--distiller-accelerator', help='TYPE:COUNT for each Distiller step, '
                 'e.g. NVIDIA_TESLA_T4:1 (Vertex) or nvidia.com/gpu:1 (Kubeflow)')


def default_image(project: str, region: str) -> str:
  """The Artifact Registry path kubeflow/README.md pushes the image to."""
  if not (project and region):
    raise ConfigError('--image is required without --project and --region')
  return (f'{region}-docker.pkg.dev/{project}/tfx-distill/'
          f'tfx-distill:{metadata.version("tfx-distill")}')


def accelerator_of(flag: str, accelerator: str) -> tuple:
  """(type, count) from TYPE:COUNT ('' -> ('', 0))."""
  kind, _, count = accelerator.partition(':')
  if accelerator and not count.isdigit():
    raise ConfigError(f'{flag} {accelerator!r}: expected TYPE:COUNT, e.g. '
                      'NVIDIA_TESLA_T4:1')
  return kind, int(count) if accelerator else 0


def memory_gb(flag: str, memory: str) -> float:
  """'32G' -> 32.0, '16Gi' -> 17.18 (GB, as the pipeline spec counts memory)."""
  match = re.fullmatch(r'(\d+(?:\.\d+)?)([A-Za-z]*)', memory.strip())
  if not match or match.group(2) not in MEMORY_UNITS:
    raise ConfigError(f'{flag} {memory!r}: expected a size such as 32G or 16Gi')
  return float(match.group(1)) * MEMORY_UNITS[match.group(2)]


def worker_pool(machine_type: str, accelerator: str, replicas: int = 1):
  """A WorkerPool from --trainer-machine-type and --trainer-accelerator TYPE:COUNT."""
  from tfx_distill.kubeflow.vertex_training import WorkerPool  # pylint: disable=g-import-not-at-top
  kind, count = accelerator_of('--trainer-accelerator', accelerator)
  return WorkerPool(machine_type=machine_type, accelerator_type=kind,
                    accelerator_count=count, replica_count=replicas)


def step_resources(args: argparse.Namespace, step: str, accelerator: str) -> Resources:
  """The preset's resources for a step, with what the command line gives instead."""
  resources = PRESET_RESOURCES.get(args.preset, {}).get(step, Resources())
  changes = {}
  if getattr(args, f'{step}_cpu') is not None:
    changes['cpu'] = getattr(args, f'{step}_cpu')
  if getattr(args, f'{step}_memory') is not None:
    changes['memory_gb'] = memory_gb(f'--{step}-memory', getattr(args, f'{step}_memory'))
  if accelerator:
    changes['accelerator_type'], changes['accelerator_count'] = accelerator_of(
        f'--{step}-accelerator', accelerator)
  return dataclasses.replace(resources, **changes)


def image_of(args: argparse.Namespace) -> str:
  return args.image or default_image(args.project, args.region)


def beam_config(args: argparse.Namespace, image: str) -> beam_lib.BeamConfig:
  """Beam in each component's container, or Dataflow workers running `image`."""
  if args.beam == 'dataflow':
    return beam_lib.dataflow(args.project, args.region,
                             args.temp_location or f'{args.pipeline_root.rstrip("/")}/tmp',
                             args.dataflow_size, sdk_container_image=image,
                             service_account=args.dataflow_service_account)
  if args.dataflow_service_account:
    raise ConfigError('--dataflow-service-account is for --beam dataflow')
  return beam_lib.DirectBeam()


def model_registry_of(args: argparse.Namespace):
  """The Model Registry of --push-to vertex, or None."""
  from tfx_distill.kubeflow.model_registry import ModelRegistry  # pylint: disable=g-import-not-at-top
  if args.push_to != 'vertex':
    given = [flag for flag, value in (('--vertex-endpoint', args.vertex_endpoint),
                                      ('--serving-image', args.serving_image))
             if value]
    if given:
      raise ConfigError(f'{given[0]} is for --push-to vertex')
    return None
  return ModelRegistry(project=args.project, region=args.region,
                       serving_image=args.serving_image, endpoint=args.vertex_endpoint,
                       endpoint_set=args.vertex_endpoint_set,
                       machine_type=args.serving_machine_type)


def deployment_from_args(args: argparse.Namespace):
  """The kubeflow Deployment the arguments describe, validated."""
  from tfx_distill.kubeflow.vertex_training import VertexTraining  # pylint: disable=g-import-not-at-top
  image = image_of(args)
  vertex_training = None
  in_pipeline = args.target == 'kubeflow' or args.trainer_in_pipeline
  if not in_pipeline and (args.trainer_cpu is not None or args.trainer_memory is not None):
    raise ConfigError('--trainer-cpu and --trainer-memory are for training inside the '
                      'pipeline (--target kubeflow or --trainer-in-pipeline); Vertex '
                      'training runs on --trainer-machine-type')
  if not in_pipeline:
    if not (args.project and args.region):
      raise ConfigError('--target vertex trains on Vertex AI: give --project and '
                        '--region (or --trainer-in-pipeline)')
    chief = worker_pool(args.trainer_machine_type, args.trainer_accelerator)
    workers = (worker_pool(args.trainer_machine_type, args.trainer_accelerator,
                           args.trainer_workers) if args.trainer_workers else None)
    vertex_training = VertexTraining(project=args.project, region=args.region,
                                     image_uri=image, chief=chief, workers=workers,
                                     service_account=args.service_account)
  return Deployment(
      target=args.target, pipeline_root=args.pipeline_root, image=image,
      vertex_training=vertex_training, model_registry=model_registry_of(args),
      distiller=step_resources(args, 'distiller', args.distiller_accelerator or ''),
      trainer=step_resources(args, 'trainer',
                             args.trainer_accelerator if in_pipeline else '')).validate()


PIPELINE_SA = 'pipeline SA'
BUCKET_ROLE = 'roles/storage.objectAdmin on gs://{}'


def iam_requirements(deployment: Deployment, beam: beam_lib.BeamConfig) -> list:
  """What the service accounts of a deployment on Google Cloud need before a run can
  succeed, one line each (kubeflow/README.md, "Service accounts and roles"). PIPELINE_SA
  is the identity the steps run as: on Vertex the service account the job is submitted
  with, on Kubeflow the pods' (GKE Workload Identity)."""
  bucket = BUCKET_ROLE.format(deployment.pipeline_root.split('/')[2])
  needs = [f'{PIPELINE_SA}: {bucket}']
  training = deployment.vertex_training
  if deployment.target == 'vertex' or deployment.model_registry is not None:
    needs.append(f'{PIPELINE_SA}: roles/aiplatform.user')
  if training is not None:
    if training.service_account:
      needs += [f'{PIPELINE_SA}: roles/iam.serviceAccountUser on '
                f'{training.service_account} (the Trainer CustomJobs run as it)',
                f'{training.service_account}: {bucket}']
    else:
      needs.append('Vertex AI Custom Code Service Agent (the Trainer CustomJobs run as '
                   f'it): {bucket}')
  if isinstance(beam, beam_lib.DataflowBeam):
    worker = beam.service_account or 'the Compute Engine default service account'
    needs += [f'{PIPELINE_SA}: roles/dataflow.developer; roles/iam.serviceAccountUser on '
              f'{worker}',
              f'{worker}: roles/dataflow.worker; {bucket}; '
              "roles/artifactregistry.reader on the image's repository"]
  return needs
