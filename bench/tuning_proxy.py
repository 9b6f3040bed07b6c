"""Benchmark: does a distilled set rank hyperparameters as the full data does?

A grid of configurations of the seed CNN (`--grid`: learning rate x dropout x width x
batch size, 16 by default). For each configuration and seed:

- the truth: the whole pool (the first 8,000 bundled digits, or `--pool`) trained with
  the full-data recipe (trainer/settings.py TrainSettings: constant learning rate, no
  shifts) for `--truth-epochs` epochs at the configuration's batch, no early stopping;
- each proxy trained with the small-set recipe (SmallSetTraining: random shifts of 2
  pixels, warm-up then cosine decay) at the configuration's learning rate, dropout,
  width and batch for the same work, `--proxy-images` images processed: the distilled
  set (`--sets`, KIP-format files, `_dN` suffixes being distillation seeds: seed i
  trains on the i-th file), `random:N` (N pool images a class, draw i), and the whole
  pool for the same work (`full_same_work`, the cheap full-data proxy).

All train through the Trainer's core (trainer/fit.py `train_arrays`, measuring the
end of training only: no learning curve) and are tested on the last 2,000 digits, which choose nothing here: the proxies' ranking is compared with
the truth's ranking, both read on those images. For each proxy and seed: Spearman's
rank correlation between the proxy's and the truth's accuracies over the grid, the
top-1 regret (the truth's best accuracy minus the truth's accuracy of the
configuration the proxy ranks first, in points), and the cost; mean +- std over seeds.

    KEEP_BEST=none bench/distil_sets.sh 50
    SETS="$(ls bench/results/sets/nfr_50_last_d[0-2].npz | paste -sd,)"
    for s in 0 1 2; do .venv/bin/python bench/tuning_proxy.py --sets "$SETS" --seed-list $s --tag seed$s & done; wait
    .venv/bin/python bench/tuning_proxy.py --merge seed0,seed1,seed2 --tag main

writes bench/results/tuning_proxy_<tag>.{md,json} (`--merge`: the tables of the tags'
runs as one, with their commands).
"""

import argparse
import dataclasses
import itertools
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import short_training  # noqa: E402  (the pool, the rows' sets, the same training call)

from tfx_distill.contracts.example_format import plain_label_vectors  # noqa: E402
from tfx_distill.trainer import fit as fit_lib  # noqa: E402
from tfx_distill.contracts.architectures import DEFAULT_WIDTH  # noqa: E402
from tfx_distill.trainer.settings import SmallSetTraining, TrainSettings  # noqa: E402

RESULTS_DIR = short_training.RESULTS_DIR
GRID = {'learning_rate': (3e-4, 3e-3), 'dropout': (0.0, 0.4),
        'width': (0.5, 1.0), 'batch_size': (32, 128)}


def configurations(grid=None):
  """Every combination of the grid's values, as dicts (width: a fraction of the seed
  CNN's)."""
  grid = grid or GRID
  return [dict(zip(grid, values)) for values in itertools.product(*grid.values())]


def ranks(values):
  """Ranks 1..n of `values` (ascending), ties sharing their mean rank."""
  values = np.asarray(values, dtype=np.float64)
  order = np.argsort(values, kind='stable')
  out = np.empty(len(values))
  out[order] = np.arange(1, len(values) + 1)
  for value in np.unique(values):
    tied = values == value
    out[tied] = out[tied].mean()
  return out


def spearman(a, b):
  """Spearman's rank correlation: Pearson's correlation of the ranks (ties averaged)."""
  ra, rb = ranks(a), ranks(b)
  ra, rb = ra - ra.mean(), rb - rb.mean()
  denominator = np.sqrt((ra ** 2).sum() * (rb ** 2).sum())
  return float((ra * rb).sum() / denominator) if denominator else 0.0


def top1_regret(proxy, truth):
  """Points lost by taking the configuration the proxy ranks first (its first, on a
  tie) instead of the truth's best: max(truth) - truth[argmax(proxy)], x100."""
  truth = np.asarray(truth, dtype=np.float64)
  return float(100 * (truth.max() - truth[int(np.argmax(proxy))]))


def full_settings(config, seed, epochs):
  """The truth's settings: the full-data recipe at the configuration's values."""
  return TrainSettings(epochs=epochs, patience=0, seed=seed,
                       batch_size=config['batch_size'],
                       learning_rate=config['learning_rate'], dropout=config['dropout'],
                       width=round(config['width'] * DEFAULT_WIDTH['seed_cnn']))


def proxy_settings(config, seed, images):
  """A proxy's settings: the small-set recipe at the configuration's values, for
  `images` images processed."""
  small = dataclasses.replace(
      SmallSetTraining(), steps=max(1, round(images / config['batch_size'])),
      batch_size=config['batch_size'], learning_rate=config['learning_rate'],
      dropout=config['dropout'])
  return small.settings_for(TrainSettings(
      seed=seed, width=round(config['width'] * DEFAULT_WIDTH['seed_cnn'])))


def run(args):
  pool_x, pool_y, test_x, test_y = short_training.load_pool_and_test(args.pool)
  seeds = [int(s) for s in args.seed_list.split(',')]
  proxies = {'full_same_work': 'full'}
  proxies.update({spec: spec for spec in args.random.split(',') if spec})
  proxies.update(short_training.set_rows([p for p in args.sets.split(',') if p]))
  draws = argparse.Namespace(set_seeds=max(seeds) + 1)
  sets = {name: short_training.row_sets(spec, pool_x, pool_y, draws)
          for name, spec in proxies.items()}
  results = []
  for config in configurations():
    for seed in seeds:
      record = {'config': config, 'seed': seed}
      truth = fit_lib.train_arrays(pool_x, plain_label_vectors(pool_y), test_x, test_y,
                                   full_settings(config, seed, args.truth_epochs),
                                   record_curve=False)
      record['truth'] = {k: truth[k] for k in ('accuracy', 'images_processed',
                                               'fit_seconds')}
      for name, made in sets.items():
        images01, vectors = made[seed % len(made)]
        trained = fit_lib.train_arrays(images01, vectors, test_x, test_y,
                                       proxy_settings(config, seed, args.proxy_images),
                                       record_curve=False)
        record[name] = {k: trained[k] for k in ('accuracy', 'images_processed',
                                                'fit_seconds')}
      print(f'  {config} seed {seed}: truth {100 * truth["accuracy"]:.1f}, ' + ', '.join(
          f'{n} {100 * record[n]["accuracy"]:.1f}' for n in sets), file=sys.stderr,
            flush=True)
      results.append(record)
  return {'proxies': list(sets), 'records': results}


def per_seed(records, name, measure):
  """[measure(the proxy's accuracies, the truth's) over `records` of one seed], seed by
  seed."""
  out = []
  for seed in sorted({r['seed'] for r in records}):
    rs = [r for r in records if r['seed'] == seed]
    out.append(measure([r[name]['accuracy'] for r in rs],
                       [r['truth']['accuracy'] for r in rs]))
  return out


def summarise(data):
  """{proxy: {spearman, regret: per seed; images, seconds: means}}."""
  records = data['records']
  out = {}
  for name in ['truth'] + data['proxies']:
    row = {'images': float(np.mean([r[name]['images_processed'] for r in records])),
           'seconds': float(np.mean([r[name]['fit_seconds'] for r in records]))}
    if name != 'truth':
      row.update(spearman=per_seed(records, name, spearman),
                 regret=per_seed(records, name, top1_regret))
    out[name] = row
  return out


def spearman_within(data, name, key):
  """{value of config[key]: mean over seeds of the proxy's Spearman with the truth over
  the configurations that have that value}."""
  records = data['records']
  return {value: float(np.mean(per_seed(
      [r for r in records if r['config'][key] == value], name, spearman)))
          for value in sorted({r['config'][key] for r in records})}


def table(summary, data):
  lines = ['| proxy | Spearman with the truth | top-1 regret (points) | images processed a '
           'configuration | fit seconds a configuration |', '|---|---|---|---|---|']
  for name, row in summary.items():
    if name == 'truth':
      continue
    lines.append(f"| {name} | {np.mean(row['spearman']):.3f} +- {np.std(row['spearman']):.3f}"
                 f" | {np.mean(row['regret']):.2f} +- {np.std(row['regret']):.2f} | "
                 f"{row['images']:,.0f} | {row['seconds']:.1f} |")
  truth = summary['truth']
  accuracies = [100 * r['truth']['accuracy'] for r in data['records']]
  lines.append(f"| (the truth) | 1 | 0 | {truth['images']:,.0f} | {truth['seconds']:.1f} |")
  lines.append('')
  lines.append(f'truth accuracies over the grid: {min(accuracies):.1f} to '
               f'{max(accuracies):.1f}%; per seed, Spearman: ' + '; '.join(
                   f"{n} {', '.join(f'{v:.3f}' for v in row['spearman'])}"
                   for n, row in summary.items() if n != 'truth'))
  lines.append('')
  lines.append('Spearman within the configurations of one dropout (mean over seeds): ' +
               '; '.join(f"{n} " + ', '.join(
                   f'{v:.3f} at {k}' for k, v in spearman_within(data, n, 'dropout').items())
                         for n in summary if n != 'truth'))
  return '\n'.join(lines)


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
  parser.add_argument('--sets', default='', help='comma-separated KIP-format .npz files')
  parser.add_argument('--random', default='random:50', help='random:N proxies')
  parser.add_argument('--seed-list', default='0,1,2')
  parser.add_argument('--truth-epochs', type=int, default=3)
  parser.add_argument('--proxy-images', type=int, default=6000,
                      help='images processed by each proxy run (the truth: '
                      'truth-epochs x the pool)')
  parser.add_argument('--pool', default='')
  parser.add_argument('--merge', default='', help='comma-separated tags to merge')
  parser.add_argument('--tag', default='run')
  args = parser.parse_args(argv)
  started = time.time()
  command = ' '.join(['.venv/bin/python', 'bench/tuning_proxy.py',
                      *(argv if argv is not None else sys.argv[1:])])
  if args.merge:
    parts = []
    for tag in args.merge.split(','):
      with open(os.path.join(RESULTS_DIR, f'tuning_proxy_{tag}.json')) as f:
        parts.append(json.load(f))
    data = {'proxies': parts[0]['proxies'],
            'records': [r for p in parts for r in p['records']],
            'commands': [p['command'] for p in parts]}
  else:
    data = run(args)
  summary = summarise(data)
  grid = ', '.join(f'{k} {v}' for k, v in GRID.items())
  commands = '\n'.join(f'    {c}' for c in data.get('commands', []) + [command])
  took = 'merged' if args.merge else f'{time.time() - started:.0f} s'
  text = (f'# tuning_proxy {args.tag}\n\n{commands}\n\n{len(configurations())} '
          f'configurations ({grid}; width as a fraction of the seed CNN\'s); '
          f"seeds {sorted({r['seed'] for r in data['records']})}; "
          f'{took}\n\n{table(summary, data)}\n')
  short_training.write_results(f'tuning_proxy_{args.tag}', text,
                               {'command': command, **data, 'summary': summary})


if __name__ == '__main__':
  main()
