"""`tfx-distill distill`: the Distiller's code path without TFX.

    tfx-distill distill --data sample --method kip --ipc 10 --steps 500 --out set.npz

reads the train split of `--data` (as the Ingest component does), distils it with
`distill.distill`, prints progress lines (step, loss, target-batch accuracy) on stderr,
and writes the set with `kip_format.save`. KIP runs save a checkpoint next to the output
(`FILE.npz.ckpt.npz`) every three minutes and at the end; `--resume` continues from it
(the result is the same as an uninterrupted run, unless a time budget stopped it), also
with a larger `--steps` to extend a finished run.
"""

import argparse
import dataclasses
import io
import json
import sys
import time

import numpy as np
import tensorflow as tf

from components.distiller import kip, kip_format
from components.distiller.distill import DistillSettings, distill
from components.ingest.ingest import build_splits
from components.ingest.sources import DataError

METHODS = ('kip', 'logreg', 'random', 'herding', 'first')
KERNELS = ('conv_rf', 'fc_ntk')


def register(subparsers) -> argparse.ArgumentParser:
  """Adds the `distill` subcommand; its func takes the namespace, returns an exit code."""
  parser = subparsers.add_parser(
      'distill', help='distil a digit source into a small KIP-format .npz set',
      description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
  parser.add_argument('--data', required=True,
                      help='sample | tfds:NAME | idx:DIR | csv:PATH | npz:PATH')
  parser.add_argument('--method', required=True, choices=METHODS)
  parser.add_argument('--ipc', type=int, required=True, help='images per class')
  parser.add_argument('--out', required=True, help='output .npz (local or gs://)')
  defaults = DistillSettings()
  parser.add_argument('--steps', type=int, default=defaults.steps)
  parser.add_argument('--seed', type=int, default=defaults.seed)
  parser.add_argument('--lr', type=float, default=defaults.learning_rate)
  parser.add_argument('--kernel', choices=KERNELS, default=defaults.kernel)
  parser.add_argument('--learn-labels', action=argparse.BooleanOptionalAction,
                      default=defaults.learn_labels)
  parser.add_argument('--target-batch', type=int, default=defaults.target_batch)
  parser.add_argument('--num-networks', type=int, default=defaults.num_networks)
  parser.add_argument('--width', type=int, default=defaults.width,
                      help='channels of the random ConvNets (conv_rf kernel)')
  parser.add_argument('--refresh-every', type=int, default=defaults.refresh_every,
                      help='KIP steps that share random networks (pool features cached)')
  parser.add_argument('--ridge', type=float, default=defaults.ridge)
  parser.add_argument('--time-budget', type=float, default=defaults.time_budget_s,
                      help='seconds (0 = no limit); stops early and keeps the best set')
  parser.add_argument('--eval-fraction', type=float, default=0.2,
                      help='held-out share of the source, as the pipeline ingests it')
  parser.add_argument('--max-examples', type=int, default=0)
  parser.add_argument('--resume', action='store_true',
                      help='continue from the checkpoint next to --out')
  parser.set_defaults(func=run)
  return parser


def checkpoint_path(out: str) -> str:
  return out + '.ckpt.npz'


def settings_from(args: argparse.Namespace) -> DistillSettings:
  return DistillSettings(
      steps=args.steps, learning_rate=args.lr, kernel=args.kernel,
      learn_labels=args.learn_labels, target_batch=args.target_batch,
      num_networks=args.num_networks, width=args.width, refresh_every=args.refresh_every,
      ridge=args.ridge, seed=args.seed, time_budget_s=args.time_budget)


def fingerprint(args: argparse.Namespace) -> str:
  """What must match for a checkpoint to be resumed (everything but --steps/budget)."""
  settings = dataclasses.asdict(settings_from(args))
  for key in ('steps', 'time_budget_s'):
    settings.pop(key)
  settings.update(data=args.data, method=args.method, ipc=args.ipc,
                  eval_fraction=args.eval_fraction, max_examples=args.max_examples)
  return json.dumps(settings, sort_keys=True)


def save_checkpoint(path: str, state: kip.KipState, key: str) -> None:
  buffer = io.BytesIO()
  np.savez(buffer, fingerprint=np.asarray(key), **state.to_arrays())
  with tf.io.gfile.GFile(path + '.tmp', 'wb') as f:
    f.write(buffer.getvalue())
  tf.io.gfile.rename(path + '.tmp', path, overwrite=True)


def load_checkpoint(path: str, key: str) -> kip.KipState:
  if not tf.io.gfile.exists(path):
    raise DataError(path, 'no checkpoint to resume from')
  with tf.io.gfile.GFile(path, 'rb') as f:
    arrays = dict(np.load(io.BytesIO(f.read()), allow_pickle=False))
  if str(arrays.pop('fingerprint')) != key:
    raise DataError(path, 'checkpoint was made with other settings; remove it or '
                    'rerun without --resume')
  return kip.KipState.from_arrays(arrays)


class ProgressLine:
  """Writes `step S/T loss L target acc A (x s)` lines to a stream."""

  def __init__(self, total: int, stream=None):
    self.total, self.stream, self.start = total, stream, time.perf_counter()

  def __call__(self, step: int, loss: float, acc: float) -> None:
    done = min(20, int(20 * step / max(self.total, 1)))
    print(f'[{"#" * done}{"." * (20 - done)}] step {step}/{self.total} loss {loss:.5f} '
          f'target acc {acc:.3f} ({time.perf_counter() - self.start:.0f} s)',
          file=self.stream or sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
  """Distils `args.data` and writes `args.out`; returns 0, or 2 on bad input."""
  try:
    train = build_splits(args.data, eval_fraction=args.eval_fraction,
                         max_examples=args.max_examples, seed=args.seed)['train']
    key = fingerprint(args)
    ckpt = checkpoint_path(args.out)
    resume = load_checkpoint(ckpt, key) if args.resume else None
    result = distill(
        train.images, train.labels, args.method, args.ipc, settings_from(args),
        progress=ProgressLine(args.steps),
        checkpoint=lambda state: save_checkpoint(ckpt, state, key),
        resume=resume)
    kip_format.save(args.out, result.images, result.labels)
  except (DataError, ValueError) as e:
    print(f'tfx-distill distill: {e}', file=sys.stderr)
    return 2
  summary = ', '.join(f'{k} {v:.4g}' for k, v in sorted(result.info.items()))
  print(f'wrote {args.out}: {len(result.images)} images ({summary})', file=sys.stderr)
  return 0
