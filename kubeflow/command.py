"""`tfx-distill compile`: the command line of kubeflow/compile.py."""

import argparse
from importlib import metadata

from pipeline import beam as beam_lib
from pipeline import config as config_lib

def default_image(project: str, region: str) -> str:
  """The Artifact Registry path kubeflow/README.md pushes the image to."""
  if not (project and region):
    raise ValueError('--image is required without --project and --region')
  return f'{region}-docker.pkg.dev/{project}/tfx-distill/tfx-distill:{metadata.version("tfx-distill")}'


def worker_pool(machine_type: str, accelerator: str, replicas: int = 1):
  """A trainer.vertex.WorkerPool from --trainer-machine-type and --trainer-accelerator
  TYPE:COUNT."""
  from trainer.vertex import WorkerPool  # pylint: disable=g-import-not-at-top
  kind, _, count = accelerator.partition(':')
  if accelerator and not count.isdigit():
    raise ValueError(f'--trainer-accelerator {accelerator!r}: expected TYPE:COUNT, '
                     'e.g. NVIDIA_TESLA_T4:1')
  return WorkerPool(machine_type=machine_type, accelerator_type=kind,
                    accelerator_count=int(count) if accelerator else 0,
                    replica_count=replicas)


def deployment_from_args(args: argparse.Namespace):
  from kubeflow.compile import Deployment  # pylint: disable=g-import-not-at-top
  from trainer.vertex import VertexTraining  # pylint: disable=g-import-not-at-top
  image = args.image or default_image(args.project, args.region)
  if args.beam == 'dataflow':
    beam = beam_lib.dataflow(args.project, args.region,
                             args.temp_location or f'{args.pipeline_root.rstrip("/")}/tmp',
                             args.dataflow_size, sdk_container_image=image)
  else:
    beam = beam_lib.DirectBeam()
  vertex_training = None
  if args.target == 'vertex' and not args.trainer_in_pipeline:
    if not (args.project and args.region):
      raise ValueError('--target vertex trains on Vertex AI: give --project and '
                       '--region (or --trainer-in-pipeline)')
    chief = worker_pool(args.trainer_machine_type, args.trainer_accelerator)
    workers = (worker_pool(args.trainer_machine_type, args.trainer_accelerator,
                           args.trainer_workers) if args.trainer_workers else None)
    vertex_training = VertexTraining(project=args.project, region=args.region,
                                     image_uri=image, chief=chief, workers=workers,
                                     service_account=args.service_account)
  return Deployment(target=args.target, pipeline_root=args.pipeline_root, image=image,
                    beam=beam, vertex_training=vertex_training).validate()


def config_from_args(args: argparse.Namespace) -> config_lib.PipelineConfig:
  config = config_lib.preset(args.preset)
  changes = {}
  if args.data:
    changes['ingest'] = {'data': args.data}
  if args.candidates is not None:
    changes['candidates'] = tuple(config_lib.parse_candidate(c)
                                  for c in args.candidates.split(',') if c)
  return config_lib.replace(config, **changes).validate()


def cmd_compile(args: argparse.Namespace) -> int:
  from kubeflow.compile import compile_pipeline, kfp_package_path  # pylint: disable=g-import-not-at-top
  config = config_from_args(args)
  deployment = deployment_from_args(args)
  job = compile_pipeline(config, deployment, args.out)
  tasks = job['pipelineSpec']['root']['dag']['tasks']
  print(f'{args.out}: {len(tasks)} tasks for {args.target}, image {deployment.image}')
  if args.target == 'kubeflow':
    print(f'{kfp_package_path(args.out)}: the same pipeline as a kfp.Client package')
  return 0


def register(subparsers) -> None:
  """Adds `compile` to the `tfx-distill` subcommands."""
  p = subparsers.add_parser(
      'compile', help='write a Kubeflow Pipelines v2 / Vertex AI Pipelines job spec')
  p.add_argument('--target', required=True, choices=('vertex', 'kubeflow'))
  p.add_argument('--out', required=True, help='the PipelineJob JSON file to write')
  p.add_argument('--pipeline-root', required=True,
                 help='gs://... (Vertex) or gs:// / s3:// (Kubeflow) for artifacts')
  p.add_argument('--image', help='the image built from kubeflow/Dockerfile (default: '
                 'REGION-docker.pkg.dev/PROJECT/tfx-distill/tfx-distill:VERSION)')
  p.add_argument('--project', default='', help='Google Cloud project')
  p.add_argument('--region', default='', help='Google Cloud region, e.g. europe-west4')
  p.add_argument('--preset', default='smoke', choices=sorted(config_lib.PRESETS))
  p.add_argument('--data', help='sample | tfds:NAME | idx:gs://DIR | npz:gs://PATH ...')
  p.add_argument('--candidates', help='comma-separated METHOD:IMAGES_PER_CLASS')
  p.add_argument('--beam', default='direct', choices=('direct', 'dataflow'),
                 help='run the Beam components in their container or on Dataflow')
  p.add_argument('--dataflow-size', default='small',
                 choices=sorted(beam_lib.DATAFLOW_MACHINES))
  p.add_argument('--temp-location', help='Dataflow temp gs:// path '
                 '(default PIPELINE_ROOT/tmp)')
  p.add_argument('--trainer-in-pipeline', action='store_true',
                 help='vertex: train inside the pipeline step, not as a CustomJob')
  p.add_argument('--trainer-machine-type', default='n1-standard-8')
  p.add_argument('--trainer-accelerator', default='',
                 help='TYPE:COUNT per replica, e.g. NVIDIA_TESLA_T4:1 or TPU_V3:8')
  p.add_argument('--trainer-workers', type=int, default=0,
                 help='further worker replicas for multi-worker training')
  p.add_argument('--service-account', default='', help='for the Vertex training jobs')
  p.set_defaults(func=cmd_compile)
