#!/usr/bin/env bash
# The distilled sets of bench/short_training.py's tables, made with the product's
# command and its defaults (nfr, 200 steps, keep-best by fitted networks on held-out
# pool images): the pool is the first 8,000 bundled digits, the test set the last
# 2,000 (never seen by the Distiller: it reads the train split; --eval-source test
# makes those 2,000 the eval split), 3 distillation seeds per size.
#
#   bench/distil_sets.sh [IPC ...]     (default: 1 10)
#
# writes bench/results/sets/pool8k.npz and bench/results/sets/nfr_<ipc>_d<seed>.npz
# (not committed), then, e.g.:
#   .venv/bin/python bench/short_training.py --sets "$(ls bench/results/sets/nfr_*_d*.npz | paste -sd,)" --tag final
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/results/sets
mkdir -p "$out"
.venv/bin/python - "$out/pool8k.npz" <<'PY'
import sys
import numpy as np
from tfx_distill.contracts.sources import SAMPLE_PATH
with np.load(SAMPLE_PATH, allow_pickle=False) as data:
  x, y = data['x'], data['y']
np.savez(sys.argv[1], x_train=x[:8000], y_train=y[:8000], x_test=x[8000:], y_test=y[8000:])
PY
ipcs=("$@")
[ ${#ipcs[@]} -gt 0 ] || ipcs=(1 10)
for ipc in "${ipcs[@]}"; do
  for seed in 0 1 2; do
    /usr/bin/time -f "nfr_${ipc}_d${seed}: %e s wall, %U s user" \
      .venv/bin/tfx-distill distill --data "npz:$out/pool8k.npz" --eval-source test \
      --valid-fraction 0.01 --ipc "$ipc" --seed "$seed" --out "$out/nfr_${ipc}_d${seed}.npz" \
      2> >(grep -E '^wrote|wall' >&2)
  done
done
