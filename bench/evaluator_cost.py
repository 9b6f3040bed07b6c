"""What an Evaluator's TFMA analysis costs, with the product's EvalConfig and with the
one it replaced (Keras' accuracy and cross-entropy through TFMA's TF-metric wrapper, a
slice per label, binarized recall and precision for ten classes): two models (a candidate and the full-data baseline), the eval split, TFMA's
in-memory DirectRunner as the Evaluator runs it. Each variant in a fresh process.

  .venv/bin/python bench/evaluator_cost.py --root runs/demo   # after `make demo`
"""

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

VARIANTS = ('product', 'before')


def analyse(root: str, variant: str) -> float:
  """Seconds of tfma.run_model_analysis for the demo's nfr_50 and full models."""
  import tensorflow_model_analysis as tfma  # pylint: disable=g-import-not-at-top
  from tfx_distill.blessing.eval_config import eval_config  # pylint: disable=g-import-not-at-top
  from tfx_distill.contracts.example_format import LABEL_KEY, NUM_CLASSES  # pylint: disable=g-import-not-at-top
  config = eval_config(0.5, 0.4, 0.05)
  if variant != 'product':
    for metric in config.metrics_specs[0].metrics:
      if metric.module.endswith('multiclass_metrics'):
        metric.ClearField('module')  # Keras' metric of that name
    config.slicing_specs.append(tfma.SlicingSpec(feature_keys=[LABEL_KEY]))
    config.metrics_specs.append(tfma.MetricsSpec(
        metrics=[tfma.MetricConfig(class_name='Recall'),
                 tfma.MetricConfig(class_name='Precision')],
        binarize=tfma.BinarizationOptions(class_ids={'values': list(range(NUM_CLASSES))})))
  spec = config.model_specs[0]
  candidate, baseline = tfma.ModelSpec(), tfma.ModelSpec()
  candidate.CopyFrom(spec)
  baseline.CopyFrom(spec)
  candidate.name, baseline.name, baseline.is_baseline = 'candidate', 'baseline', True
  del config.model_specs[:]
  config.model_specs.extend([candidate, baseline])
  pipeline = os.path.join(root, 'pipeline')
  paths = {name: sorted(glob.glob(os.path.join(pipeline, f'Trainer_{node}_s0', 'model', '*',
                                               'Format-Serving')))[-1]
           for name, node in (('candidate', 'nfr_50'), ('baseline', 'full'))}
  models = [tfma.default_eval_shared_model(eval_saved_model_path=path, eval_config=config,
                                           model_name=name) for name, path in paths.items()]
  (data,) = sorted(glob.glob(os.path.join(pipeline, 'Ingest', 'examples', '*', 'Split-eval',
                                          '*')))[-1:]
  with tempfile.TemporaryDirectory() as out:
    start = time.perf_counter()
    tfma.run_model_analysis(eval_shared_model=models, eval_config=config,
                            data_location=data, file_format='tfrecords', output_path=out)
    return time.perf_counter() - start


def main() -> None:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--root', default='runs/demo', help="a demo run's pipeline root")
  parser.add_argument('--variant', choices=VARIANTS, help='(internal) one variant')
  parser.add_argument('--repeats', type=int, default=2)
  args = parser.parse_args()
  if args.variant:
    print(json.dumps({'seconds': analyse(args.root, args.variant)}))
    return
  print('| EvalConfig | TFMA analysis, s (each run) |\n|---|---|')
  for variant in VARIANTS:
    seconds = []
    for _ in range(args.repeats):
      out = subprocess.run([sys.executable, __file__, '--root', args.root, '--variant',
                            variant], capture_output=True, text=True, check=True).stdout
      seconds.append(json.loads(out.strip().splitlines()[-1])['seconds'])
    print(f'| {variant} | {", ".join(f"{s:.1f}" for s in seconds)} |')


if __name__ == '__main__':
  main()
