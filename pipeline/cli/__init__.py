"""The `tfx-distill` command line: run, distill, report, compile.

    tfx-distill run [--preset smoke|demo|tune|full] [settings ...]
    tfx-distill distill --data SOURCE [--method METHOD] --ipc N --out FILE.npz [settings ...]
    tfx-distill report --pipeline-root DIR [--out DIR]
    tfx-distill compile --target vertex|kubeflow --out FILE.json --pipeline-root gs://...

Settings flags come from the settings classes (`cli/options.py`); every command turns
its arguments into a PipelineConfig with `options.config_from_args`. A failure that is
the user's to fix (a UserError: bad data, bad config, ...; a full or read-only
filesystem: `cli/failures.py`) ends with one line `tfx-distill: error: ...` and status
2; anything else is a bug and keeps its traceback.

`run` keeps the terminal for what a person reads and sends the rest to the run's log
(`cli/terminal.py`); so that the log also gets what TensorFlow's C++ code writes when it
is imported, the capture starts in `main` before the heavy imports, which this module
makes only inside `build_parser`.
"""

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

from tfx_distill.pipeline.cli.failures import user_message  # pylint: disable=g-import-not-at-top,wrong-import-position
from tfx_distill.pipeline.cli.terminal import Console  # pylint: disable=g-import-not-at-top,wrong-import-position


def build_parser() -> argparse.ArgumentParser:
  # pylint: disable=g-import-not-at-top
  from tfx_distill.components.distiller.methods import DEFAULT_METHOD, METHODS
  from tfx_distill.pipeline import config as config_lib
  from tfx_distill.pipeline.cli import commands, options
  from tfx_distill.pipeline.cli.deployment import add_deployment_options
  # pylint: enable=g-import-not-at-top
  parser = argparse.ArgumentParser(
      prog='tfx-distill',
      description='Distil MNIST into tiny training sets and compare them with TFMA.')
  sub = parser.add_subparsers(dest='command', required=True)

  run = sub.add_parser('run', help='run the pipeline locally (LocalDagRunner, SQLite MLMD)')
  run.add_argument('--pipeline-root', help='directory for artifacts, metadata and '
                   'pushed models (default runs/PRESET)')
  run.add_argument('--runner', default='local', choices=config_lib.RUNNERS)
  options.add_pipeline_options(run)
  run.set_defaults(func=commands.run)

  distill = sub.add_parser(
      'distill', help='distil a digit source into a small KIP-format .npz set',
      description='Reads the train split of --data (as the Ingest component does), '
      'distils it, prints progress lines on stderr and writes the set in the published '
      'KIP format. nfr and KIP runs keep a checkpoint beside the output (FILE.npz.ckpt.npz), '
      'saved every three minutes and at the end; --resume continues from it (the same '
      'result as an uninterrupted run unless a time budget stopped it), also with a '
      'larger --steps to extend a finished run.')
  distill.add_argument('--method', default=DEFAULT_METHOD, choices=tuple(METHODS),
                       help=f'distillation method (default {DEFAULT_METHOD}): ' + '; '.join(
                           f'{m.name}, {m.about}' for m in METHODS.values()))
  distill.add_argument('--ipc', type=int, required=True, help='images per class')
  distill.add_argument('--out', required=True, help='output .npz (local or gs://)')
  distill.add_argument('--resume', action='store_true',
                       help='continue from the checkpoint next to --out')
  distill.add_argument('--preset', choices=sorted(config_lib.PRESETS),
                       help="take the settings not given from this preset's "
                       '(default: the settings\' own defaults)')
  options.add_settings_options(distill, options.DISTILL_SECTIONS, required=('--data',),
                               only=options.DISTILL_FIELDS)
  distill.set_defaults(func=commands.distill)

  report = sub.add_parser('report', help="regenerate the latest run's report from ML "
                          'Metadata')
  report.add_argument('--pipeline-root', required=True,
                      help='the directory given to `run --pipeline-root`')
  report.add_argument('--out', help='where to write the report (default ROOT/report)')
  report.set_defaults(func=commands.report)

  compile_ = sub.add_parser(
      'compile', help='write a Kubeflow Pipelines v2 / Vertex AI Pipelines job spec')
  add_deployment_options(compile_)
  options.add_pipeline_options(compile_)
  compile_.set_defaults(func=commands.compile_pipeline)
  return parser


def main(argv: Optional[List[str]] = None) -> int:
  argv = sys.argv[1:] if argv is None else list(argv)
  console = Console()
  try:
    with console.capture(enabled=argv[:1] == ['run']):
      args = build_parser().parse_args(argv)
      args.console = console
      return args.func(args)
  except Exception as e:  # pylint: disable=broad-except
    message = user_message(e)
    if message is None:
      raise
    print(f'tfx-distill: error: {message}', file=sys.stderr)
    return 2
