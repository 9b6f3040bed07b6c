"""Per-epoch time of the seed CNN under the default and the mirrored strategy on this CPU.

Trains through the real trainer (`trainer.task.run_fn` on an Examples directory of the
bundled digits), one fresh process per variant, one variant at a time:

- `default`: the default strategy (one device, TensorFlow's own threading);
- `mirrored`: MirroredStrategy over 2 logical CPU devices of the same CPU, global batch
  scaled with the replicas (2 x 250, the trainer's default);
- `mirrored_fixed`: the same with the global batch kept at 250 (125 per replica).

Epoch 1 includes tracing the training step; steady figures come from epochs 2..N:
the fastest (least disturbed by other jobs on a shared machine) and the median wall
seconds, and the median CPU seconds (all threads of the training process), which
contention stretches far less than wall time. Writes
bench/results/trainer_strategies.{md,json}.

    .venv/bin/python bench/trainer_strategies.py --epochs 4 --examples 8000
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import types

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(REPO, 'bench', 'results')
VARIANTS = {
    'default': {'strategy': 'default', 'logical_cpus': 0, 'scale': True},
    'mirrored': {'strategy': 'mirrored', 'logical_cpus': 2, 'scale': True},
    'mirrored_fixed': {'strategy': 'mirrored', 'logical_cpus': 2, 'scale': False},
}


def parse_args(argv):
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--epochs', type=int, default=4)
  parser.add_argument('--examples', type=int, default=8000,
                      help='first N bundled digits to train on')
  parser.add_argument('--batch-size', type=int, default=250)
  parser.add_argument('--variants', default=','.join(VARIANTS))
  parser.add_argument('--tag', default='', help='suffix of the result files')
  parser.add_argument('--worker', help=argparse.SUPPRESS)  # internal: one variant
  return parser.parse_args(argv)


def write_examples(directory: str, count: int) -> str:
  """The first `count` bundled digits as an Examples 'train' split; returns its URI."""
  import numpy as np  # pylint: disable=import-outside-toplevel
  from tfx_distill.contracts.example_format import make_split, write_split  # pylint: disable=import-outside-toplevel
  from tfx_distill.contracts.sources import SAMPLE_PATH  # pylint: disable=import-outside-toplevel
  with np.load(SAMPLE_PATH) as digits:
    split = make_split(digits['x'][:count].astype(np.float32) / 255.0,
                       digits['y'][:count])
  uri = os.path.join(directory, 'examples')
  write_split(uri, 'train', split)
  write_split(uri, 'valid', split)  # run_fn calibrates on it (not timed in fit)
  return uri


def run_worker(spec: dict) -> None:
  """One variant in this (fresh) process."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  if spec['logical_cpus']:
    tf.config.set_logical_device_configuration(
        tf.config.list_physical_devices('CPU')[0],
        [tf.config.LogicalDeviceConfiguration()] * spec['logical_cpus'])
  from tfx_bsl.tfxio import tf_example_record  # pylint: disable=import-outside-toplevel
  from tfx_distill.trainer.task import run_fn  # pylint: disable=import-outside-toplevel

  def factory(files, options, schema):  # the DataAccessor TFX makes for tf.Example
    return tf_example_record.TFExampleRecord(files, schema=schema).TensorFlowDataset(options)

  run_fn(types.SimpleNamespace(
      train_files=[os.path.join(spec['uri'], 'Split-train', '*')],
      eval_files=[os.path.join(spec['uri'], 'Split-valid', '*')],
      schema_path=os.path.join(REPO, 'tests', 'trainer', 'data', 'schema', 'schema.pbtxt'),
      data_accessor=types.SimpleNamespace(tf_dataset_factory=factory),
      serving_model_dir=os.path.join(spec['out'], 'serving'),
      model_run_dir=os.path.join(spec['out'], 'run'), hyperparameters=None,
      custom_config={'epochs': spec['epochs'], 'patience': 0,
                     'batch_size': spec['batch_size'], 'strategy': spec['strategy'],
                     'seed': 0, 'verbose': 0, 'scale_batch_with_replicas': spec['scale']}))


def measure(name: str, uri: str, args, workdir: str) -> dict:
  """Runs one variant in a subprocess; returns its figures."""
  spec = {**VARIANTS[name], 'uri': uri, 'out': os.path.join(workdir, name),
          'epochs': args.epochs, 'batch_size': args.batch_size}
  env = {**os.environ, 'TF_USE_LEGACY_KERAS': '0', 'TF_CPP_MIN_LOG_LEVEL': '2'}
  env.pop('TF_CONFIG', None)
  start = time.perf_counter()
  subprocess.run([sys.executable, os.path.abspath(__file__), '--worker', json.dumps(spec)],
                 cwd=REPO, env=env, check=True)
  wall = time.perf_counter() - start
  with open(os.path.join(spec['out'], 'run', 'training.json')) as handle:
    run = json.load(handle)
  later = run['epoch_seconds'][1:] or run['epoch_seconds']
  later_cpu = run['epoch_cpu_seconds'][1:] or run['epoch_cpu_seconds']
  return {'variant': name, 'strategy_class': run['strategy_class'],
          'replicas': run['replicas'], 'global_batch_size': run['global_batch_size'],
          'steps_per_epoch': run['plan']['steps_per_epoch'], 'examples': run['images'],
          'epoch_seconds': run['epoch_seconds'],
          'epoch_cpu_seconds': run['epoch_cpu_seconds'],
          'first_epoch_s': run['epoch_seconds'][0], 'fastest_epoch_s': min(later),
          'median_epoch_s': statistics.median(later),
          'median_epoch_cpu_s': statistics.median(later_cpu),
          'images_per_s': run['images'] / min(later),
          'fit_seconds': run['fit_seconds'], 'final_accuracy': run['history']['accuracy'][-1],
          'process_wall_s': wall}


def report(rows, args, command: str, load: tuple) -> str:
  lines = [
      '# trainer_strategies: per-epoch time of the seed CNN, default vs mirrored',
      '',
      f'Command: `{command}`',
      '',
      f'Machine: {os.cpu_count()} CPU cores, {platform.processor() or platform.machine()}, '
      f'no GPU; load average before/after: {load[0]:.2f} / {load[1]:.2f} (other '
      'developers\' jobs share the machine, so times are upper bounds).',
      f'Data: first {args.examples} bundled digits, {args.epochs} epochs, seed 0, '
      'through trainer.task.run_fn. Epoch 1 includes tracing; the other columns '
      'are over epochs 2..N (images/s from the fastest epoch).',
      '',
      '| variant | strategy | replicas | global batch | steps/epoch | epoch 1 s | '
      'fastest epoch s | median epoch s | median epoch CPU s | images/s | '
      'train acc (last epoch) |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
  ]
  for row in rows:
    lines.append(
        f"| {row['variant']} | {row['strategy_class']} | {row['replicas']} | "
        f"{row['global_batch_size']} | {row['steps_per_epoch']} | "
        f"{row['first_epoch_s']:.1f} | {row['fastest_epoch_s']:.1f} | "
        f"{row['median_epoch_s']:.1f} | {row['median_epoch_cpu_s']:.1f} | "
        f"{row['images_per_s']:.0f} | {row['final_accuracy']:.3f} |")
  return '\n'.join(lines) + '\n'


def main(argv) -> None:
  args = parse_args(argv)
  if args.worker:
    run_worker(json.loads(args.worker))
    return
  names = [name for name in args.variants.split(',') if name]
  unknown = sorted(set(names) - set(VARIANTS))
  if unknown:
    raise SystemExit(f'unknown variants {unknown}; choose from {sorted(VARIANTS)}')
  command = '.venv/bin/python bench/trainer_strategies.py ' + ' '.join(argv)
  load_before = os.getloadavg()[0]
  with tempfile.TemporaryDirectory(prefix='trainer_strategies_') as workdir:
    uri = write_examples(workdir, args.examples)
    rows = []
    for name in names:
      rows.append(measure(name, uri, args, workdir))
      print(json.dumps(rows[-1]), flush=True)
  table = report(rows, args, command.strip(), (load_before, os.getloadavg()[0]))
  suffix = f'_{args.tag}' if args.tag else ''
  os.makedirs(RESULTS, exist_ok=True)
  with open(os.path.join(RESULTS, f'trainer_strategies{suffix}.md'), 'w') as handle:
    handle.write(table)
  with open(os.path.join(RESULTS, f'trainer_strategies{suffix}.json'), 'w') as handle:
    json.dump({'command': command.strip(), 'rows': rows, 'epochs': args.epochs,
               'examples': args.examples}, handle, indent=1)
  print(table)


if __name__ == '__main__':
  os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
  main(sys.argv[1:])
