"""Benchmark: the small-set recipe chosen on a validation part of the pool, never on the
test images.

The product's small-set recipe (trainer/settings.py, SmallSetTraining) was first chosen
by learning curves on the test images. This bench chooses it again the way it should
have been: a grid of recipes (peak learning rate x batch x dropout, the product's
schedule and steps otherwise) trains the seed CNN on small sets drawn from the first
7,000 pool images, and each recipe is scored by its mean accuracy on the last 1,000
pool images (the validation part; the test images are not read). The winner is then
trained with `bench/short_training.py` on the test images, as the product's recipe is.

Rows (each recipe trains every set of every row once, CNN seed 0):
- `random:N`: N random images per class of the first 7,000 pool images, `--set-seeds`
  draws;
- `--sets A.npz,...`: distilled sets (e.g. bench/distil_sets.sh's). Caveat: those were
  distilled from all 8,000 pool images, so the validation images were among their
  regression targets: their scores favour no recipe over another by that, but they are
  higher than a clean validation would give.

    .venv/bin/python bench/recipe_selection.py --rows random:10 --sets "$(ls bench/results/sets/nfr_10_last_d[0-9].npz | paste -sd,)" --tag ipc10

writes bench/results/recipe_selection_<tag>.{md,json}.
"""

import argparse
import dataclasses
import itertools
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import short_training  # pylint: disable=wrong-import-position

from tfx_distill.trainer.settings import SmallSetTraining, TrainSettings  # pylint: disable=wrong-import-position

VALID_SIZE = 1000  # the last pool images: the validation part


def split_pool(pool_x, pool_y, valid_size=VALID_SIZE):
  """(train images, train labels, validation images, validation labels): the last
  `valid_size` pool images validate, the others are what sets are drawn from."""
  return pool_x[:-valid_size], pool_y[:-valid_size], pool_x[-valid_size:], pool_y[-valid_size:]


def grid(lrs, batches, dropouts):
  """The recipes: SmallSetTraining with every (peak rate, batch, dropout)."""
  return [SmallSetTraining(learning_rate=lr, batch_size=b, dropout=d).validate()
          for lr, b, d in itertools.product(lrs, batches, dropouts)]


def choose(scores):
  """Index of the recipe with the highest mean validation accuracy over the rows
  (the first on a tie)."""
  means = [float(np.mean(list(row.values()))) for row in scores]
  return int(np.argmax(means)), means


def floats(text):
  return [float(x) for x in text.split(',') if x]


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
  parser.add_argument('--rows', default='random:10')
  parser.add_argument('--sets', default='', help='comma-separated KIP-format .npz files')
  parser.add_argument('--set-seeds', type=int, default=3, help='draws of random:N rows')
  parser.add_argument('--lrs', default='1e-3,3e-3,1e-2')
  parser.add_argument('--batches', default='10,32')
  parser.add_argument('--dropouts', default='0,0.4')
  parser.add_argument('--tag', default='run')
  args = parser.parse_args(argv)
  pool_x, pool_y, _, _ = short_training.load_pool_and_test()
  train_x, train_y, valid_x, valid_y = split_pool(pool_x, pool_y)
  specs = {spec: spec for spec in args.rows.split(',') if spec}
  specs.update(short_training.set_rows([p for p in args.sets.split(',') if p]))
  sets = {name: short_training.row_sets(spec, train_x, train_y, args)
          for name, spec in specs.items()}
  recipes = grid(floats(args.lrs), [int(b) for b in args.batches.split(',')],
                 floats(args.dropouts))
  default = SmallSetTraining()
  scores, started = [], time.time()
  for recipe in recipes:
    settings = recipe.settings_for(TrainSettings(seed=0))
    row_scores = {}
    for name, members in sets.items():
      accuracies = [short_training.train(x, v, valid_x, valid_y, settings)['accuracy']
                    for x, v in members]
      row_scores[name] = float(np.mean(accuracies))
    scores.append(row_scores)
    print(f'  lr {recipe.learning_rate:g} batch {recipe.batch_size} dropout '
          f'{recipe.dropout:g}: ' + ', '.join(f'{k} {100 * a:.1f}%'
                                              for k, a in row_scores.items()),
          file=sys.stderr, flush=True)
  best, means = choose(scores)
  names = list(sets)
  lines = ['| peak lr | batch | dropout | ' + ' | '.join(f'{n} (validation %)' for n in names)
           + ' | mean | |', '|---|---|---|' + '---|' * (len(names) + 2)]
  for i, (recipe, row_scores) in enumerate(zip(recipes, scores)):
    marks = []
    if i == best:
      marks.append('chosen')
    if (recipe.learning_rate, recipe.batch_size, recipe.dropout) == (
        default.learning_rate, default.batch_size, default.dropout):
      marks.append('product default')
    lines.append(f'| {recipe.learning_rate:g} | {recipe.batch_size} | {recipe.dropout:g} | '
                 + ' | '.join(f'{100 * row_scores[n]:.1f}' for n in names)
                 + f' | {100 * means[i]:.2f} | {", ".join(marks)} |')
  chosen = recipes[best]
  given = list(argv if argv is not None else sys.argv[1:])
  command = ' '.join(['.venv/bin/python', 'bench/recipe_selection.py', *given])
  text = (f'# recipe_selection {args.tag}\n\n    {command}\n\n'
          f'Sets from the first {len(train_y):,} pool images, scored on the last '
          f'{len(valid_y):,} (validation); {len(recipes)} recipes (steps '
          f'{default.steps}, schedule {default.schedule}, shifts {default.max_shift}); '
          f'{time.time() - started:.0f} s.\n\n' + '\n'.join(lines) + '\n\n'
          f'Chosen on validation: peak lr {chosen.learning_rate:g}, batch '
          f'{chosen.batch_size}, dropout {chosen.dropout:g}.\n')
  short_training.write_results(f'recipe_selection_{args.tag}', text, {
      'command': command, 'recipes': [dataclasses.asdict(r) for r in recipes],
      'validation_accuracy': scores, 'mean': means, 'chosen': best})


if __name__ == '__main__':
  main()
