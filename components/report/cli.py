"""`tfx-distill report --pipeline-root DIR [--out DIR]`: regenerates the latest run's
report from its ML Metadata (<root>/metadata.sqlite) and artifacts."""

import argparse
import os


def register(subparsers) -> argparse.ArgumentParser:
  """Adds the `report` subcommand to the tfx-distill CLI."""
  parser = subparsers.add_parser(
      'report', help="regenerate the latest run's report from ML Metadata")
  parser.add_argument('--pipeline-root', required=True,
                      help='the directory given to `run --pipeline-root`')
  parser.add_argument('--out', help='where to write the report (default ROOT/report)')
  parser.set_defaults(func=run)
  return parser


def run(args: argparse.Namespace) -> int:
  from components.report import mlmd  # pylint: disable=g-import-not-at-top
  from components.report.build import build_report  # pylint: disable=g-import-not-at-top
  from components.report.render import INDEX_HTML  # pylint: disable=g-import-not-at-top
  from pipeline.local_runner import local_paths  # pylint: disable=g-import-not-at-top
  paths = local_paths(args.pipeline_root)
  out = os.path.abspath(args.out or os.path.join(args.pipeline_root, 'report'))
  store = mlmd.connect(paths.metadata_path)
  latest = mlmd.latest_run(store)
  provenance = {**mlmd.run_provenance(store, latest), 'generated_by': 'tfx-distill report'}
  summary = build_report(mlmd.run_artifacts(store, latest), out, provenance)
  print(f"models: {len(summary['models'])}, training sets: {len(summary['rows'])}")
  print(f'report: {os.path.join(out, INDEX_HTML)}')
  return 0
