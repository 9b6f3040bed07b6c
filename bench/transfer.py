"""Benchmark: does a set made for the seed CNN train other networks and other recipes?

Every row (`full_same_steps`: the pool trained for the same work; `random:N`: N random
pool images per class, `--set-seeds` draws; `--sets`: KIP-format files, e.g. from
`bench/distil_sets.sh`, files differing only in a `_dN` suffix being one row's
distillation seeds) is trained with the seed CNN and with every variant of the
pipeline's Transfer component (components/transfer/variants.py: the MLP, LeNet-5 and
the batch-normalised CNN with the small-set recipe; the seed CNN with dropout 0.4 and
with a constant learning rate of 3e-4 and of 3e-3), `--seeds` network seeds each,
through the Trainer's own core (trainer/fit.py `train_arrays`, as the component
trains). Pool and test images as in bench/short_training.py (the first 8,000 bundled
digits, the last 2,000; or `--pool`).

For each network or recipe: every row's test accuracy (mean +- std over set seeds x
network seeds), and each `--sets` row's margin over the random row of its size
(`nfr_10_dN` against `random:10`), the issue's target being >= +2 points everywhere.

    bench/distil_sets.sh 10 50
    .venv/bin/python bench/transfer.py --rows full_same_steps,random:10,random:50 --sets "$(ls bench/results/sets/nfr_{10,50}_d[0-9].npz | paste -sd,)" --tag main

writes bench/results/transfer_<tag>.{md,json}.
"""

import argparse
import dataclasses
import os
import re
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import short_training  # noqa: E402  (the pool, the rows' sets, the same training call)

from tfx_distill.components.transfer import variants as variants_lib  # noqa: E402
from tfx_distill.contracts.example_format import plain_label_vectors  # noqa: E402
from tfx_distill.trainer.settings import SmallSetTraining, TrainSettings  # noqa: E402

SEED_CNN = 'seed_cnn'


def size_of(row: str):
  """Images per class of a row named random:N, NAME_N or NAME_N_WORDS (nfr_50_last,
  nfr_50_mixed_last, nfr_10_500steps_last, nfr_50_lr3e-3_last; None for the full
  pool's rows)."""
  if row.startswith('full'):
    return None
  found = re.match(r'^[a-z]+[:_](\d+)(?:_[\w-]+)?$', row)
  return int(found.group(1)) if found else None


def margins(cells, rows):
  """{(set row, variant): set mean - random mean of the same size, in points}."""
  out = {}
  for row in rows:
    if row.startswith(('random:', 'full')) or size_of(row) is None:
      continue
    random_row = f'random:{size_of(row)}'
    for variant, by_row in cells.items():
      if random_row in by_row and row in by_row:
        out[(row, variant)] = 100 * (by_row[row]['mean'] - by_row[random_row]['mean'])
  return out


def table(cells, rows, gaps):
  head = ['network or recipe'] + rows + [f'{r} - random' for r in rows
                                         if any(k[0] == r for k in gaps)]
  lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
  for variant, by_row in cells.items():
    line = [by_row['what']] + [f"{100 * by_row[r]['mean']:.1f} +- {100 * by_row[r]['std']:.1f}"
                               for r in rows]
    line += [f'{gaps[(r, variant)]:+.1f}' for r in rows if (r, variant) in gaps]
    lines.append('| ' + ' | '.join(line) + ' |')
  return '\n'.join(lines)


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
  parser.add_argument('--rows', default='full_same_steps,random:10,random:50')
  parser.add_argument('--sets', default='', help='comma-separated KIP-format .npz files')
  parser.add_argument('--variants', default=variants_lib.ALL,
                      help='the Transfer variants besides the seed CNN')
  parser.add_argument('--seeds', type=int, default=3, help='network seeds per set')
  parser.add_argument('--set-seeds', type=int, default=3, help='draws of random:N rows')
  parser.add_argument('--pool', default='')
  parser.add_argument('--labels', default='learned', choices=('learned', 'hard'),
                      help="the --sets' labels: their learned label vectors (MSE, as the "
                      'product trains them) or one-hot of their argmax (cross-entropy)')
  parser.add_argument('--tag', default='run')
  args = parser.parse_args(argv)
  pool_x, pool_y, test_x, test_y = short_training.load_pool_and_test(args.pool)
  specs = {spec: spec for spec in args.rows.split(',') if spec}
  specs.update(short_training.set_rows([p for p in args.sets.split(',') if p]))
  variants = (SEED_CNN,) + variants_lib.parse(args.variants)
  small = SmallSetTraining()
  cells, started = {}, time.time()
  for variant in variants:
    what = 'seed CNN (the small-set recipe)' if variant == SEED_CNN else (
        variants_lib.VARIANTS[variant][0])
    cells[variant] = {'what': what}
    for name, spec in specs.items():
      runs = []
      for images01, vectors in short_training.row_sets(spec, pool_x, pool_y, args):
        if args.labels == 'hard':  # plain labels train with cross-entropy
          vectors = plain_label_vectors(np.argmax(vectors, axis=1))
        for seed in range(args.seeds):
          settings = small.settings_for(TrainSettings(seed=seed))
          if variant != SEED_CNN:
            settings = variants_lib.settings_of(settings, variant)
          run = short_training.train(images01, vectors, test_x, test_y, settings)
          runs.append({k: run[k] for k in ('accuracy', 'images_processed', 'fit_seconds')})
      accuracies = [r['accuracy'] for r in runs]
      cells[variant][name] = {'mean': float(np.mean(accuracies)),
                              'std': float(np.std(accuracies)), 'runs': runs}
      print(f'  {variant} {name}: {100 * np.mean(accuracies):.1f} +- '
            f'{100 * np.std(accuracies):.1f}%', file=sys.stderr, flush=True)
  rows = list(specs)
  gaps = margins(cells, rows)
  command = ' '.join(['.venv/bin/python', 'bench/transfer.py',
                      *(argv if argv is not None else sys.argv[1:])])
  met = [k for k, v in gaps.items() if v >= 2.0]
  text = (f'# transfer {args.tag}\n\n    {command}\n\nsmall-set recipe: '
          f'{dataclasses.asdict(small)}; {args.seeds} network seeds; '
          f'{time.time() - started:.0f} s\n\n{table(cells, rows, gaps)}\n\n'
          f'set >= random + 2 points: {len(met)} of {len(gaps)} cells\n')
  short_training.write_results(f'transfer_{args.tag}', text, {
      'command': command, 'small_set': dataclasses.asdict(small), 'cells': cells,
      'margins': {f'{r} {v}': g for (r, v), g in gaps.items()}})


if __name__ == '__main__':
  main()
