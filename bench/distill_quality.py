"""Benchmark: how well do distilled sets train the seed notebook's CNN?

Pool: the first 8,000 of the bundled digits (contracts/data/mnist10k.npz);
test: the last 2,000. Each row distils `images per class` images per class from the pool
with one method (or reads a given KIP-format .npz, `--sets`), then trains a network on
the set with several seeds and reports the test accuracy (mean +- std), the
distillation wall time and, for the ConvNet random-feature kernel, the accuracy of
kernel ridge regression from the set. Rows for random subsets and the full pool are the
baselines.

Networks train with the recipe of the tables in bench/README.md (seed CNN, batch 250,
300/100 epochs, RandomTranslation only with --cnn-augment, 15 epochs on the full pool).
To train a set as the pipeline's Trainer does, with its learning curve against the full
data at equal work, give the saved set to bench/short_training.py (`--sets`).

    python bench/distill_quality.py --rows random:1,nfr:1,random:10,nfr:10 --full
    python bench/distill_quality.py --rows '' --sets my_set.npz --tag my_set

writes bench/results/distill_quality_<tag>.{md,json} (see bench/README.md).
"""

import argparse
import json
import os
import sys
import time

import numpy as np

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

import keras  # pylint: disable=g-import-not-at-top,wrong-import-position
import tensorflow as tf  # pylint: disable=g-import-not-at-top,wrong-import-position

from tfx_distill.contracts import kip_format  # pylint: disable=wrong-import-position
from tfx_distill.contracts.architectures import ARCHITECTURES  # pylint: disable=wrong-import-position
from tfx_distill.components.distiller import kernels, kip  # pylint: disable=wrong-import-position
from tfx_distill.components.distiller.krr import krr_predict  # pylint: disable=wrong-import-position
from tfx_distill.components.distiller.distill import distill  # pylint: disable=wrong-import-position
from tfx_distill.components.distiller.job import Job  # pylint: disable=wrong-import-position
from tfx_distill.components.distiller.methods import DistillConfig
from tfx_distill.components.distiller.settings import KERNELS, KipSettings, NfrSettings  # pylint: disable=wrong-import-position
from tfx_distill.components.distiller.settings import CLIP_MODES  # pylint: disable=wrong-import-position
from tfx_distill.contracts.example_format import (NUM_CLASSES, plain_label_vectors,  # pylint: disable=wrong-import-position
                                       standardise, unstandardise)
from tfx_distill.trainer import model as model_lib  # pylint: disable=wrong-import-position

# The same pool and test split as short_training.py (bench/ is on sys.path).
from short_training import POOL_SIZE, load_pool_and_test  # pylint: disable=wrong-import-position
RESULTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'results')


def train_cnn(images01, targets, classes, test_x, test_y, seed, epochs, loss, augment):
  """Trains one seed CNN (Adam 1e-3, batch 250); returns (test accuracy, train seconds).
  loss 'mse' regresses the label vectors; 'ce' is cross-entropy on the classes."""
  keras.utils.set_random_seed(seed)
  model = model_lib.seed_cnn(model_lib.DEFAULT_WIDTH['seed_cnn'],
                             model_lib.DEFAULT_DROPOUT['seed_cnn'],
                             None if loss == 'mse' else 'softmax')
  inputs = keras.Input((28, 28, 1))
  x = inputs
  if augment:
    x = keras.layers.RandomTranslation(0.1, 0.1, fill_mode='constant', seed=seed)(x)
  model = keras.Model(inputs, model(x))
  if loss == 'mse':
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss='mse')
    y = targets
  else:
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss='sparse_categorical_crossentropy')
    y = classes
  start = time.perf_counter()
  model.fit(images01[..., None], y, batch_size=250, epochs=epochs, verbose=0, shuffle=True)
  train_s = time.perf_counter() - start
  pred = model.predict(test_x[..., None], batch_size=1000, verbose=0)
  return float(np.mean(np.argmax(pred, axis=1) == test_y)), train_s


def fit_row(images01, vectors, classes, test_x, test_y, seed, ipc, method, args,
            full=False):
  """(accuracy, train seconds, loss, epochs) of one network on a set."""
  learned = not np.allclose(vectors, plain_label_vectors(classes))
  loss = 'ce' if full else label_loss_for(method, learned, args)
  epochs = 15 if full else epochs_for(ipc)
  acc, train_s = train_cnn(images01, vectors, classes, test_x, test_y, seed, epochs, loss,
                           args.cnn_augment and not full)
  return acc, train_s, loss, epochs


class KernelEval:
  """KRR accuracy on the test images under the ConvNet random-feature kernel, with the
  test features of a fixed set of evaluation networks computed once."""

  def __init__(self, test_std, num_networks, ridge):
    self.networks = kernels.conv_networks(0, kip.EVAL_STEP, num_networks)
    self.ridge = ridge
    self.test_features = [self.features(test_std, p) for p in self.networks]

  @staticmethod
  def features(images_std, params, batch=1000):
    return tf.concat([kernels.conv_features(tf.constant(images_std[i:i + batch]), params)
                      for i in range(0, len(images_std), batch)], axis=0)

  def accuracy(self, support_std, support_labels, test_y):
    f_s = [self.features(support_std, p) for p in self.networks]
    k_ss = kernels.feature_kernel(f_s, f_s)
    k_ts = kernels.feature_kernel(self.test_features, f_s)
    pred = krr_predict(k_ts, k_ss, support_labels, self.ridge).numpy()
    return float(np.mean(np.argmax(pred, axis=1) == test_y))


def distil_row(method, ipc, pool_x, pool_y, args):
  """Distils one set; returns (images_std NHWC, label vectors, classes, info)."""
  def progress(step, loss, acc):
    print(f'  [{method}:{ipc}] step {step} loss {loss:.5f} target acc {acc:.3f}',
          file=sys.stderr, flush=True)

  if method == 'kip':
    settings = KipSettings(
        steps=args.kip_steps, learning_rate=args.lr,
        kernel=args.kernel, learn_labels=args.learn_labels, target_batch=args.target_batch,
        num_networks=args.num_networks, width=args.width, refresh_every=args.refresh_every,
        ridge=args.ridge, seed=args.seed,
        time_budget_s=budget_for(args, ipc), clip=args.clip, augment=args.augment)
    start = time.perf_counter()
    out = kip.run_kip(Job(pool_x, pool_y, ipc, progress=progress), settings,
                      log_every=args.log_every)
    out.info['wall_time_s'] = time.perf_counter() - start
    return out.images, out.labels, out.classes, out.info
  if method == 'nfr':
    settings = NfrSettings(steps=args.nfr_steps, learning_rate=args.lr, seed=args.seed,
                           time_budget_s=budget_for(args, ipc))
    result = distill(pool_x, pool_y, method, ipc, settings, progress,
                     architecture=args.architecture)
    return result.images, result.labels, result.classes, result.info
  settings = DistillConfig().updated(  # each field for the methods that have it
      steps=args.logreg_steps, learning_rate=args.lr, num_networks=args.num_networks,
      seed=args.seed, time_budget_s=budget_for(args, ipc)).settings(method)
  result = distill(pool_x, pool_y, method, ipc, settings, progress)
  return result.images, result.labels, result.classes, result.info


def read_given_set(path):
  """(images_std NHWC, label vectors, classes, info) of a KIP-format .npz (`--sets`)."""
  loaded = kip_format.load(path)
  return loaded.images, loaded.labels, np.argmax(loaded.labels, axis=1), {}


def load_set(tag, method, ipc):
  """A set saved by an earlier run with --tag `tag` (to vary only the CNN's training)."""
  path = os.path.join(RESULTS_DIR, 'sets', f'{tag}_{method}_{ipc}.npz')
  with np.load(path, allow_pickle=False) as data:
    images, vectors = data['images'], data['labels']
    classes = (data['classes'] if 'classes' in data.files
               else np.repeat(np.arange(NUM_CLASSES), ipc))
    info = {'wall_time_s': float(data['wall_time_s'])} if 'wall_time_s' in data.files else {}
  return images, vectors, classes, info


def budget_for(args, ipc):
  budgets = dict(zip(args.ipcs_for_budget, args.budgets))
  return float(budgets.get(ipc, args.budgets[-1]))


def label_loss_for(method, learned, args):
  if args.label_loss != 'auto':
    return args.label_loss
  return 'mse' if (method == 'kip' and learned) else 'ce'


def epochs_for(ipc):
  return 300 if ipc <= 10 else 100


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
  parser.add_argument('--rows', default='random:1,nfr:1,random:10,nfr:10,random:50,nfr:50',
                      help='METHOD:IPC,... (methods: nfr random first herding kip logreg)')
  parser.add_argument('--sets', default='',
                      help='comma-separated KIP-format .npz files to evaluate as rows')
  parser.add_argument('--architecture', default='seed_cnn', choices=list(ARCHITECTURES),
                      help='the network nfr distils for')
  parser.add_argument('--nfr-steps', type=int, default=1000)
  parser.add_argument('--full', action='store_true', help='add the full-pool row')
  parser.add_argument('--seeds', type=int, default=3, help='CNN seeds per set')
  parser.add_argument('--seed', type=int, default=0, help='distillation seed')
  parser.add_argument('--kip-steps', type=int, default=100000)
  parser.add_argument('--logreg-steps', type=int, default=300)
  parser.add_argument('--budgets', type=float, nargs='+', default=[300, 540, 600],
                      help='distillation seconds for --budget-ipcs (last one otherwise)')
  parser.add_argument('--budget-ipcs', dest='ipcs_for_budget', type=int, nargs='+',
                      default=[1, 10, 50])
  parser.add_argument('--lr', type=float, default=0.01)
  parser.add_argument('--kernel', default='conv_rf', choices=list(KERNELS))
  parser.add_argument('--learn-labels', action=argparse.BooleanOptionalAction, default=True)
  parser.add_argument('--target-batch', type=int, default=1000)
  parser.add_argument('--num-networks', type=int, default=2)
  parser.add_argument('--width', type=int, default=128, help='KIP ConvNet width')
  parser.add_argument('--refresh-every', type=int, default=1,
                      help='KIP steps sharing random networks (pool features cached)')
  parser.add_argument('--ridge', type=float, default=1e-6)
  parser.add_argument('--clip', default='output', choices=list(CLIP_MODES))
  parser.add_argument('--augment', action=argparse.BooleanOptionalAction, default=False,
                      help='translate the support inside the kernel (KIP)')
  parser.add_argument('--label-loss', default='auto', choices=['auto', 'mse', 'ce'],
                      help='CNN loss; auto = MSE on learned KIP labels, else CE')
  parser.add_argument('--cnn-augment', action=argparse.BooleanOptionalAction, default=False,
                      help='random translations while training the CNN on small sets')
  parser.add_argument('--kernel-networks', type=int, default=8)
  parser.add_argument('--log-every', type=int, default=50)
  parser.add_argument('--from-sets', default='',
                      help='reuse the sets saved by the run tagged so (no distillation)')
  parser.add_argument('--tag', default='run')
  args = parser.parse_args(argv)

  pool_x, pool_y, test_x, test_y = load_pool_and_test()
  os.makedirs(os.path.join(RESULTS_DIR, 'sets'), exist_ok=True)
  kernel_eval = KernelEval(standardise(test_x)[..., None], args.kernel_networks, args.ridge)
  rows = []
  specs = [(m, int(n)) for m, n in (r.split(':') for r in args.rows.split(',') if r)]
  specs += [(path, 0) for path in args.sets.split(',') if path]
  for method, ipc in specs:
    print(f'== {method}:{ipc}', file=sys.stderr, flush=True)
    start = time.perf_counter()
    if not ipc:
      images, vectors, classes, info = read_given_set(method)
      method, ipc = os.path.basename(method), len(classes) // NUM_CLASSES
    elif args.from_sets:
      images, vectors, classes, info = load_set(args.from_sets, method, ipc)
    else:
      images, vectors, classes, info = distil_row(method, ipc, pool_x, pool_y, args)
      np.savez(os.path.join(RESULTS_DIR, 'sets', f'{args.tag}_{method}_{ipc}.npz'),
               images=images, labels=vectors, classes=classes,
               wall_time_s=info.get('wall_time_s', time.perf_counter() - start))
    wall = info.get('wall_time_s', time.perf_counter() - start)
    k_acc = kernel_eval.accuracy(images, vectors, test_y)
    images01 = np.clip(unstandardise(images[..., 0]), 0.0, 1.0)
    accs, times = [], []
    for s in range(args.seeds):
      acc, train_s, loss, epochs = fit_row(images01, vectors, classes, test_x, test_y, s,
                                           ipc, method, args)
      accs.append(acc)
      times.append(train_s)
    row = dict(method=method, ipc=ipc, distill_s=round(wall, 1), kernel_acc=k_acc,
               cnn_mean=float(np.mean(accs)), cnn_std=float(np.std(accs)), cnn_accs=accs,
               cnn_loss=loss, epochs=epochs, train_s=float(np.mean(times)),
               info={k: float(v) for k, v in info.items()})
    rows.append(row)
    print(f'   {format_row(row)}', file=sys.stderr, flush=True)
    write_results(args, rows)
  if args.full:
    print('== full pool', file=sys.stderr, flush=True)
    accs, times = [], []
    for s in range(args.seeds):
      acc, train_s, loss, epochs = fit_row(pool_x, plain_label_vectors(pool_y), pool_y,
                                           test_x, test_y, s, 0, 'full', args, full=True)
      accs.append(acc)
      times.append(train_s)
    rows.append(dict(method='full pool', ipc=POOL_SIZE // NUM_CLASSES, distill_s=0.0,
                     kernel_acc=None, cnn_mean=float(np.mean(accs)),
                     cnn_std=float(np.std(accs)), cnn_accs=accs, cnn_loss=loss,
                     epochs=epochs,
                     train_s=float(np.mean(times)), info={}))
    write_results(args, rows)
  print(table(rows))
  return 0


def format_row(row):
  kernel = '-' if row['kernel_acc'] is None else f"{100 * row['kernel_acc']:.1f}"
  return (f"| {row['method']} | {row['ipc']} | {row['distill_s']:.0f} | {kernel} | "
          f"{100 * row['cnn_mean']:.1f} +- {100 * row['cnn_std']:.1f} | {row['cnn_loss']} | "
          f"{row['epochs']} | {row['train_s']:.0f} |")


def table(rows):
  head = ('| method | images/class | distill s | kernel acc % | CNN acc % (mean +- std) | '
          'CNN loss | epochs | CNN train s |\n|---|---|---|---|---|---|---|---|')
  return '\n'.join([head] + [format_row(r) for r in rows])


def write_results(args, rows):
  base = os.path.join(RESULTS_DIR, f'distill_quality_{args.tag}')
  command = 'python bench/distill_quality.py ' + ' '.join(sys.argv[1:])
  with open(base + '.md', 'w') as f:
    f.write(f'# distill_quality {args.tag}\n\nCommand: `{command}`\n\n{table(rows)}\n')
  with open(base + '.json', 'w') as f:
    json.dump({'command': command, 'args': vars(args), 'rows': rows}, f, indent=1)


if __name__ == '__main__':
  sys.exit(main())
