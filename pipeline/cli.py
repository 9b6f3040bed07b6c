"""The `tfx-distill` command line: run, distill, report, compile."""

import argparse
import os
import sys
import warnings
from typing import List, Optional

# Keras 3 everywhere: importing tensorflow_transform would otherwise switch tf.keras to
# tf-keras for this process and its children (see README, "Keras 3").
os.environ.setdefault('TF_USE_LEGACY_KERAS', '0')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
# google-api-core and aiplatform warn on every import about Python 3.10 (TFX 1.16's).
warnings.filterwarnings('ignore', category=FutureWarning, module=r'google\..*')

from pipeline import config as config_lib  # pylint: disable=g-import-not-at-top,wrong-import-position

USER_ERRORS = (ValueError, FileNotFoundError)


def absolute(path: str) -> str:
  """A local path made absolute (executors may run elsewhere); URLs such as gs://
  unchanged."""
  return path if '://' in path else os.path.abspath(path)


def absolute_source(spec: str) -> str:
  """`npz:rel.npz` -> `npz:/abs/rel.npz` for the file schemes."""
  scheme, sep, path = spec.partition(':')
  return f'{scheme}:{absolute(path)}' if scheme in ('idx', 'csv', 'npz') and path else spec


def config_from_args(args: argparse.Namespace) -> config_lib.PipelineConfig:
  """The preset named by --preset with the command line's overrides, validated."""
  config = config_lib.preset(args.preset)
  ingest = {'data': absolute_source(args.data)} if args.data else {}
  if args.max_examples is not None:
    ingest['max_examples'] = args.max_examples
  if args.eval_source:
    ingest['eval_source'] = args.eval_source
  if args.tfds_data_dir:
    ingest['tfds_data_dir'] = args.tfds_data_dir
  if args.tfds_manual_dir:
    ingest['tfds_manual_dir'] = args.tfds_manual_dir
  train = {key: value for key, value in (
      ('epochs', args.epochs), ('distilled_epochs', args.distilled_epochs),
      ('strategy', args.strategy), ('seeds', args.seeds),
      ('architecture', args.architecture), ('label_loss', args.label_loss))
      if value is not None}
  evaluation = {key: value for key, value in (
      ('max_drop', args.max_drop), ('candidate_min_accuracy', args.candidate_min_accuracy),
      ('full_min_accuracy', args.full_min_accuracy)) if value is not None}
  changes = {'ingest': ingest, 'train': train, 'eval': evaluation}
  if args.kip_set:
    changes['kip_sets'] = tuple(absolute(path) for path in args.kip_set)
  if args.candidates is not None:
    changes['candidates'] = tuple(config_lib.parse_candidate(c)
                                  for c in args.candidates.split(',') if c)
  if args.no_cache:
    changes['enable_cache'] = False
  if args.tune:
    changes['enable_tuner'] = True
  return config_lib.replace(config, **changes).validate()


def cmd_run(args: argparse.Namespace) -> int:
  from pipeline.local_runner import run_local  # pylint: disable=g-import-not-at-top
  config = config_from_args(args)
  root = args.pipeline_root or os.path.join('runs', config.preset)
  paths = run_local(config, root, runner=args.runner)
  print(f'pipeline root: {paths.pipeline_root}')
  print(f'metadata: {paths.metadata_path}')
  print(f'pushed models: {paths.serving_root}')
  from components.report.mlmd import latest_report_index  # pylint: disable=g-import-not-at-top
  print(f'report: {latest_report_index(paths.metadata_path)}')
  return 0


def build_parser() -> argparse.ArgumentParser:
  parser = argparse.ArgumentParser(
      prog='tfx-distill',
      description='Distil MNIST into tiny training sets and compare them with TFMA.')
  sub = parser.add_subparsers(dest='command', required=True)

  run = sub.add_parser('run', help='run the pipeline locally (LocalDagRunner, SQLite MLMD)')
  run.add_argument('--preset', default='smoke', choices=sorted(config_lib.PRESETS))
  run.add_argument('--data', help='sample | tfds:NAME | idx:DIR | csv:PATH | npz:PATH')
  run.add_argument('--pipeline-root', help='directory for artifacts, metadata and '
                   'pushed models (default runs/PRESET)')
  run.add_argument('--kip-set', action='append', default=[],
                   help='a published KIP .npz to evaluate as one more candidate '
                   '(repeatable; local path or gs://)')
  run.add_argument('--candidates', help='comma-separated METHOD:IMAGES_PER_CLASS, '
                   'e.g. random:1,kip:50 (methods: ' + ', '.join(config_lib.METHODS) + ')')
  run.add_argument('--max-examples', type=int, help='cap on ingested examples')
  run.add_argument('--eval-source', choices=config_lib.EVAL_SOURCES,
                   help="split: cut eval out of the train part (default); test: the "
                   "source's own test part (tfds, idx, npz with x_test)")
  run.add_argument('--tfds-data-dir', help='tfds data dir (default $TFDS_DATA_DIR)')
  run.add_argument('--tfds-manual-dir', help='tfds manual download dir')
  run.add_argument('--epochs', type=int, help='epochs on the full train split')
  run.add_argument('--distilled-epochs', type=int, help='epochs on small sets')
  run.add_argument('--strategy', choices=config_lib.STRATEGIES)
  run.add_argument('--architecture', choices=config_lib.ARCHITECTURES,
                   help="seed_cnn (the seed notebook's CNN) or kip_convnet")
  run.add_argument('--label-loss', choices=config_lib.LABEL_LOSSES,
                   help='loss on learned KIP label vectors (default mse)')
  run.add_argument('--seeds', type=int, help='train each model this many times')
  run.add_argument('--max-drop', type=float, help='bless a candidate only if its '
                   'accuracy is at most this far below the full model (e.g. 0.02)')
  run.add_argument('--candidate-min-accuracy', type=float,
                   help="a candidate's accuracy floor")
  run.add_argument('--full-min-accuracy', type=float,
                   help="the full-data model's accuracy floor")
  run.add_argument('--tune', action='store_true', help='run the Tuner first')
  run.add_argument('--no-cache', action='store_true', help='re-execute every component')
  run.add_argument('--runner', default='local', choices=('local', 'beam'))
  run.set_defaults(func=cmd_run)

  from components.distiller import standalone  # pylint: disable=g-import-not-at-top
  standalone.register(sub)
  from components.report import cli as report_cli  # pylint: disable=g-import-not-at-top
  report_cli.register(sub)
  from kubeflow import command as compile_command  # pylint: disable=g-import-not-at-top
  compile_command.register(sub)
  return parser


def user_error(error: BaseException) -> Optional[BaseException]:
  """The first error in the cause/context chain that is the user's to fix."""
  from components.ingest.sources import DataError  # pylint: disable=g-import-not-at-top
  seen = error
  while seen is not None:
    if isinstance(seen, (DataError, config_lib.ConfigError)):
      return seen
    seen = seen.__cause__ or seen.__context__
  return error if isinstance(error, USER_ERRORS) else None


def main(argv: Optional[List[str]] = None) -> int:
  args = build_parser().parse_args(argv)
  try:
    return args.func(args)
  except Exception as e:  # pylint: disable=broad-except
    found = user_error(e)
    if found is None:
      raise
    message = str(found).splitlines()[0] if str(found) else type(found).__name__
    print(f'tfx-distill: error: {message}', file=sys.stderr)
    return 2


if __name__ == '__main__':
  sys.exit(main())
