"""Benchmark: how fast does the seed CNN reach an accuracy on a small set, against the
full data trained for the same work?

Pool: the first 8,000 of the bundled digits (contracts/data/mnist10k.npz); test: the
last 2,000. Every row trains fresh networks through the pipeline Trainer's own training
core (trainer/fit.py `fit`, which run_fn calls: the plan of `recipe.plan_for`, the
batches, the network, the timed fit, and the EvalCurve that records accuracy on the
test images at the fixed grid of images processed, contracts/learning_curve.py); this
script only loads the data and reads the results:

- `full`: the pool with the full-data settings (TrainSettings: batch 250, Adam 1e-3,
  the architecture's dropout), `--full-epochs` epochs, no early stopping;
- `full_same_steps`: the pool with the small-set recipe (SmallSetTraining, the
  product's defaults unless a `--small-*` flag changes one field);
- `full_Kx_steps` (e.g. `full_3x_steps`, `full_10x_steps`): the pool with the same
  recipe for K times the steps, its own schedule (the product's `--longer-full-runs`);
  with `full` and `full_same_steps`, the full-data curves every other row is read
  against (the strongest: the fewest images any of them needs);
- `random:N`: N random pool images per class (`--set-seeds` draws), small-set recipe;
- `--sets A.npz,B.npz`: KIP-format files (e.g. from `tfx-distill distill`), small-set
  recipe; files that differ only in a `_dN` distillation-seed suffix are one row.

For every row: the final test accuracy (mean +- std over all networks: CNN seeds x set
seeds), the images processed to reach 95% and 97% on the row's mean curve, and
against the full data (components/report/equal_work.py, as the report computes it):
the images the better full-data curve needs to reach the row's final accuracy, and the
speed-up (that / the row's images processed). `speedup_95` / `speedup_97`: images the
better full curve needs to reach 95% / 97% over those the row needs.

    .venv/bin/python bench/short_training.py --rows full,full_same_steps,random:1,random:10,random:50 --tag defaults

writes bench/results/short_training_<tag>.{md,json}.
"""

import argparse
import dataclasses
import json
import os
import re
import sys
import time

import numpy as np

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

from tfx_distill.components.report import equal_work  # pylint: disable=wrong-import-position
from tfx_distill.contracts import kip_format  # pylint: disable=wrong-import-position
from tfx_distill.contracts.example_format import (NUM_CLASSES, plain_label_vectors,  # pylint: disable=wrong-import-position
                                                  unstandardise)
from tfx_distill.contracts.options import FLAG  # pylint: disable=wrong-import-position
from tfx_distill.contracts.learning_curve import images_to_accuracy  # pylint: disable=wrong-import-position
from tfx_distill.contracts.sources import SAMPLE_PATH  # pylint: disable=wrong-import-position
from tfx_distill.trainer import fit as fit_lib  # pylint: disable=wrong-import-position
from tfx_distill.trainer.settings import SmallSetTraining, TrainSettings  # pylint: disable=wrong-import-position

POOL_SIZE = 8000
RESULTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'results')
TARGETS = (0.95, 0.97)


def load_pool_and_test(path=''):
  """(pool images01, pool labels, test images01, test labels): the bundled digits, or
  a pool file of bench/distil_sets.sh (x_train, y_train, x_test, y_test as uint8)."""
  if path:
    with np.load(path, allow_pickle=False) as data:
      parts = [data[k] for k in ('x_train', 'y_train', 'x_test', 'y_test')]
    return (parts[0].astype(np.float32) / 255.0, parts[1].astype(np.int64),
            parts[2].astype(np.float32) / 255.0, parts[3].astype(np.int64))
  with np.load(SAMPLE_PATH, allow_pickle=False) as data:
    x = data['x'].reshape(-1, 28, 28).astype(np.float32) / 255.0
    y = data['y'].astype(np.int64)
  return x[:POOL_SIZE], y[:POOL_SIZE], x[POOL_SIZE:], y[POOL_SIZE:]


def random_subset(pool_y, ipc, seed):
  """Indices of `ipc` random pool images of each class."""
  rng = np.random.default_rng(seed)
  return np.concatenate([rng.choice(np.flatnonzero(pool_y == c), ipc, replace=False)
                         for c in range(NUM_CLASSES)])


def train(images01, vectors, test_x, test_y, settings: TrainSettings):
  """Trains one network through run_fn's training core (trainer/fit.py,
  `train_arrays`); returns the training record's essentials."""
  return fit_lib.train_arrays(images01, vectors, test_x, test_y, settings)


def row_sets(spec, pool_x, pool_y, args):
  """[(images01, label vectors)] of one row: one per set seed (one for the full pool)."""
  if is_full(spec):
    return [(pool_x, plain_label_vectors(pool_y))]
  if spec.startswith('random:'):
    ipc = int(spec.split(':')[1])
    return [(pool_x[i], plain_label_vectors(pool_y[i]))
            for i in (random_subset(pool_y, ipc, seed) for seed in range(args.set_seeds))]
  loaded = [kip_format.load(path) for path in spec.split('+')]
  return [(unstandardise(s.images)[..., 0], s.labels) for s in loaded]


LONGER_FULL = re.compile(r'full_(\d+)x_steps$')


def is_full(name):
  """Whether a row trains the whole pool (a full-data curve)."""
  return name in ('full', 'full_same_steps') or bool(LONGER_FULL.match(name))


def row_settings(name, small, base):
  """TrainSettings of a row's runs: `full` the full-data settings; `full_Kx_steps` the
  small-set recipe for K times its steps; every other row the small-set recipe."""
  if name == 'full':
    return base
  longer = LONGER_FULL.match(name)
  if longer:
    small = dataclasses.replace(small, steps=small.steps * int(longer.group(1)))
  return small.settings_for(base)


def set_rows(paths):
  """Row specs of --sets: files named NAME_dN.npz with the same NAME form one row."""
  groups = {}
  for path in paths:
    name = re.sub(r'_d\d+$', '', os.path.splitext(os.path.basename(path))[0])
    groups.setdefault(name, []).append(path)
  return {name: '+'.join(files) for name, files in groups.items()}


def summarise(name, runs, full_curves):
  """One table row from the runs of one set (all CNN seeds x set seeds)."""
  accuracies = [r['accuracy'] for r in runs]
  curve = equal_work.mean_curve([r['curve'] for r in runs])
  row = {'row': name, 'runs': len(runs), 'accuracy_mean': float(np.mean(accuracies)),
         'accuracy_std': float(np.std(accuracies)),
         'images_processed': float(np.mean([r['images_processed'] for r in runs])),
         'fit_seconds': float(np.mean([r['fit_seconds'] for r in runs])),
         'batch_size': runs[0]['batch_size'], 'steps': runs[0]['steps'],
         'loss': runs[0]['loss'], 'mean_curve': curve}
  for target in TARGETS:
    key = f'{round(100 * target)}'
    mine = images_to_accuracy(curve, target)
    row[f'images_to_{key}'] = mine
    fulls = [x for x in (images_to_accuracy(c, target) for c in full_curves.values() if c)
             if x is not None]
    row[f'speedup_{key}'] = (min(fulls) / mine) if (fulls and mine) else None
  if full_curves and name not in full_curves:
    row.update(equal_work.compare(row['accuracy_mean'], row['images_processed'],
                                  row['fit_seconds'], full_curves))
  return row


def fmt(value, spec='{:,.0f}'):
  return '-' if value is None else spec.format(value)


def table(rows):
  lines = ['| row | runs | steps x batch | accuracy % | images to 95% | images to 97% '
           '| speed-up to 95% | speed-up to 97% | full needs (for this accuracy) '
           '| speed-up at this accuracy |',
           '|---|---|---|---|---|---|---|---|---|---|']
  for r in rows:
    lines.append(
        f"| {r['row']} | {r['runs']} | {r['steps']} x {r['batch_size']} "
        f"| {100 * r['accuracy_mean']:.1f} +- {100 * r['accuracy_std']:.1f} "
        f"| {fmt(r['images_to_95'])} | {fmt(r['images_to_97'])} "
        f"| {fmt(r['speedup_95'], '{:.2f}x')} | {fmt(r['speedup_97'], '{:.2f}x')} "
        f"| {fmt(r.get('full_images_to_accuracy'))} "
        f"| {fmt(r.get('speedup_to_accuracy'), '{:.2f}x')} |")
  return '\n'.join(lines)


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
  parser.add_argument('--rows', default='full,full_same_steps,random:1,random:10,random:50')
  parser.add_argument('--sets', default='', help='comma-separated KIP-format .npz files')
  parser.add_argument('--seeds', type=int, default=3, help='CNN seeds per set')
  parser.add_argument('--set-seeds', type=int, default=3, help='draws of random:N rows')
  parser.add_argument('--full-epochs', type=int, default=8)
  parser.add_argument('--pool', default='',
                      help='a pool file of bench/distil_sets.sh (default: the bundled '
                      'digits, first 8,000 pool, last 2,000 test)')
  parser.add_argument('--full-from', default='',
                      help="a results .json whose 'full' row gives the full-data curve "
                      '(instead of a `full` row here; it does not depend on --small-*)')
  defaults = SmallSetTraining()
  for field in dataclasses.fields(SmallSetTraining):  # the CLI's flags (--small-steps...)
    parser.add_argument(field.metadata.get(FLAG) or '--small-' + field.name.replace('_', '-'),
                        dest=field.name, type=type(getattr(defaults, field.name)),
                        default=getattr(defaults, field.name))
  parser.add_argument('--tag', default='run')
  args = parser.parse_args(argv)
  small = SmallSetTraining(**{f.name: getattr(args, f.name)
                              for f in dataclasses.fields(SmallSetTraining)}).validate()
  pool_x, pool_y, test_x, test_y = load_pool_and_test(args.pool)
  specs = {spec: spec for spec in args.rows.split(',') if spec}
  specs.update(set_rows([p for p in args.sets.split(',') if p]))
  full_curves, rows, started = {}, [], time.time()
  if args.full_from:
    with open(args.full_from) as f:
      full_curves['full'] = next(r['mean_curve'] for r in json.load(f)['rows']
                                 if r['row'] == 'full')
  for name, spec in specs.items():
    runs = []
    for images01, vectors in row_sets(spec, pool_x, pool_y, args):
      for seed in range(args.seeds):
        base = TrainSettings(seed=seed, epochs=args.full_epochs, patience=0)
        settings = row_settings(name, small, base)
        runs.append(train(images01, vectors, test_x, test_y, settings))
        print(f'  {name} seed {seed}: {100 * runs[-1]["accuracy"]:.1f}% after '
              f'{runs[-1]["images_processed"]:,} images, {runs[-1]["fit_seconds"]:.1f} s',
              file=sys.stderr, flush=True)
    row = summarise(name, runs, full_curves)
    if is_full(name):
      full_curves[name] = row['mean_curve']
    rows.append({**row, 'runs_detail': runs})
  given = list(argv if argv is not None else sys.argv[1:])
  recipe_flags = [f'{f.metadata.get(FLAG)} {getattr(small, f.name)}'
                  for f in dataclasses.fields(SmallSetTraining)
                  if f.metadata.get(FLAG) and f.metadata.get(FLAG) not in given]
  # The recipe in full, so that the command means the same under later defaults.
  command = ' '.join(['.venv/bin/python', 'bench/short_training.py', *given, *recipe_flags])
  text = (f'# short_training {args.tag}\n\n    {command}\n\nsmall-set recipe: '
          f'{dataclasses.asdict(small)}; {time.time() - started:.0f} s\n\n{table(rows)}\n')
  write_results(f'short_training_{args.tag}', text, {
      'command': command, 'small_set': dataclasses.asdict(small), 'rows': rows})


def write_results(name, text, record):
  """Writes bench/results/NAME.md (the text) and NAME.json (the record); prints the
  text."""
  os.makedirs(RESULTS_DIR, exist_ok=True)
  out = os.path.join(RESULTS_DIR, name)
  with open(out + '.md', 'w') as f:
    f.write(text)
  with open(out + '.json', 'w') as f:
    json.dump(record, f, indent=1)
  print(text)


if __name__ == '__main__':
  main()
