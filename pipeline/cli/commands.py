"""What each `tfx-distill` command does, given its parsed arguments; heavy imports stay
inside the command that needs them."""

import argparse
import dataclasses
import os
import sys

from tfx_distill.pipeline.cli.options import config_from_args


def run(args: argparse.Namespace) -> int:
  """Runs the pipeline locally and prints where its outputs are (`report:` is the
  report of this run). On the terminal meanwhile: a line per node, progress, the
  warnings to act on; the rest goes to the run's log (cli/terminal.py)."""
  from tfx_distill.pipeline.cli.terminal import Console  # pylint: disable=g-import-not-at-top
  from tfx_distill.pipeline.local_runner import run_local  # pylint: disable=g-import-not-at-top
  config = config_from_args(args)
  root = args.pipeline_root or os.path.join('runs', config.preset)
  console = getattr(args, 'console', None) or Console()
  with console.pipeline_run() as on_start:
    run_ = run_local(config, root, runner=args.runner, on_start=on_start)
  print(f'pipeline root: {run_.paths.pipeline_root}')
  print(f'metadata: {run_.paths.metadata_path}')
  print(f'pushed models: {run_.paths.serving_root}')
  print(f'published sets: {run_.paths.sets_root}')
  print(f'log: {console.log_path}')
  print(f'report: {run_.report_index}')
  return 0


def distill(args: argparse.Namespace) -> int:
  """Distils the train split of --data into --out, with a checkpoint beside it."""
  from tfx_distill.contracts import kip_format  # pylint: disable=g-import-not-at-top
  from tfx_distill.components.distiller import checkpoint  # pylint: disable=g-import-not-at-top
  from tfx_distill.components.distiller.distill import distill as distill_set  # pylint: disable=g-import-not-at-top
  from tfx_distill.components.distiller.keep_best import initial_support_warning  # pylint: disable=g-import-not-at-top
  from tfx_distill.components.distiller.settings import steps_of  # pylint: disable=g-import-not-at-top
  from tfx_distill.components.ingest.ingest import build_splits  # pylint: disable=g-import-not-at-top
  from tfx_distill.contracts.progress import ProgressLine  # pylint: disable=g-import-not-at-top
  config = config_from_args(args)
  settings = config.distill.settings(args.method).validate()  # the method's own
  train = build_splits(config.ingest)['train']
  architecture = config.train.architecture
  key = checkpoint.fingerprint(settings, args.method, args.ipc,
                               {**dataclasses.asdict(config.ingest),
                                'architecture': architecture})
  path = checkpoint.checkpoint_path(args.out)
  resume = checkpoint.load_checkpoint(path, key) if args.resume else None
  result = distill_set(
      train.images, train.labels, args.method, args.ipc, settings,
      progress=ProgressLine(steps_of(settings, args.ipc)),
      checkpoint=lambda state: checkpoint.save_checkpoint(path, state, key),
      resume=resume, architecture=architecture)
  kip_format.save(args.out, result.images, result.labels)
  if result.info.get('returned_initial_support'):
    print(f'warning: {initial_support_warning(args.method, args.ipc, result.info)}',
          file=sys.stderr)
  summary = ', '.join(f'{k} {v:.4g}' for k, v in sorted(result.info.items()))
  print(f'wrote {args.out}: {len(result.images)} images ({summary})', file=sys.stderr)
  return 0


def report(args: argparse.Namespace) -> int:
  """Regenerates the latest run's report from its ML Metadata."""
  from tfx_distill.components.report import mlmd  # pylint: disable=g-import-not-at-top
  from tfx_distill.components.report.build import build_report  # pylint: disable=g-import-not-at-top
  from tfx_distill.components.report.render import INDEX_HTML  # pylint: disable=g-import-not-at-top
  from tfx_distill.pipeline.local_runner import local_paths  # pylint: disable=g-import-not-at-top
  paths = local_paths(args.pipeline_root)
  out = os.path.abspath(args.out or os.path.join(args.pipeline_root, 'report'))
  store = mlmd.connect(paths.metadata_path)
  latest = mlmd.latest_run(store)
  provenance = {**mlmd.run_provenance(store, latest), 'generated_by': 'tfx-distill report'}
  summary = build_report(mlmd.run_artifacts(store, latest), out, provenance)
  print(f"models: {len(summary['models'])}, training sets: {len(summary['rows'])}")
  print(f'report: {os.path.join(out, INDEX_HTML)}')
  return 0


def compile_pipeline(args: argparse.Namespace) -> int:
  """Writes the Kubeflow Pipelines v2 / Vertex AI job spec of the configured pipeline."""
  from tfx_distill.kubeflow.compile import kfp_package_path  # pylint: disable=g-import-not-at-top
  from tfx_distill.pipeline.cli.deployment import beam_config, deployment_from_args, iam_requirements  # pylint: disable=g-import-not-at-top
  from tfx_distill.pipeline.kubeflow_runner import compile_job  # pylint: disable=g-import-not-at-top
  config = config_from_args(args)
  deployment = deployment_from_args(args)
  beam = beam_config(args, deployment.image)
  job = compile_job(config, deployment, args.out, beam)
  tasks = job['pipelineSpec']['root']['dag']['tasks']
  print(f'{args.out}: pipeline {config.pipeline_name}, {len(tasks)} tasks for '
        f'{args.target}, image {deployment.image}')
  if args.target == 'kubeflow':
    print(f'{kfp_package_path(args.out)}: the same pipeline as a kfp.Client package')
  if deployment.pipeline_root.startswith('gs://'):
    who = ('the service account you submit the job with' if args.target == 'vertex'
           else "the pods' Google service account")
    print(f'before the first run, grant (pipeline SA: {who}; kubeflow/README.md, '
          '"Service accounts and roles"):')
    for need in iam_requirements(deployment, beam):
      print(f'  {need}')
  return 0
