"""The Distiller: a train split in, a small distilled set out.

- the component: `spec.py` (its public face: keys, the KipSet artifact, a Distiller's
  parameters, `spec_class(method)`), `component.py`, `executor.py`;
- the methods: `methods.py`, the table (each method's settings class, run function and
  checkpoint state), built on the shared settings fields of `settings.py`;
  `distill.py`, the one entry point (the Distiller and `tfx-distill distill`);
  `job.py` (what a run function gets), `distilled_set.py` (what it returns),
  `checkpoint.py` (saving and resuming a method's state);
- one module per method: `nfr.py` (with `nfr_state.py`, `model_pool.py`,
  `keep_best.py`, `feature_regression.py`, `networks.py`, `random_streams.py`),
  `kip.py` (with `kernels.py`), `bilevel.py` (logreg), `herding.py`, `baselines.py`
  (random, first);
- helpers several methods share: `krr.py` (kernel ridge regression), `adam.py` (Adam
  on the support), `batches.py` (class-balanced batches), `devices.py` (where the
  work runs).
"""
