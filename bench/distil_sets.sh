#!/usr/bin/env bash
# The distilled sets of bench/short_training.py's tables, made with the product's
# command and its defaults (nfr, the last iterate, auto steps: 1,000 below 10 per class and
# 200 from 10 since 2026-12-08, 200 at every size before, so nfr_1_last_d* made before
# are 200-step sets (nfr_1_1000steps_last_d* the 1,000-step ones); before 2026-12-07 nfr
# kept the support best scored on held-out pool images: KEEP_BEST=fit makes those
# again): the pool is the first 8,000 bundled digits, the test set the last
# 2,000 (never seen by the Distiller: it reads the train split; --eval-source test
# makes those 2,000 the eval split), 3 distillation seeds per size.
#
#   bench/distil_sets.sh [IPC ...]                 (default: 1 10)
#   POOL=fashion bench/distil_sets.sh [IPC ...]
#   KEEP_BEST=none bench/distil_sets.sh 50         (the last iterate, as the demo's sets)
#   STEPS=1000 bench/distil_sets.sh 10             (1,000 distillation steps, not 200)
#   TAG=shift2 FLAGS='--support-shift 2' bench/distil_sets.sh 10   (other flags: nfr_10_shift2_d0...)
#
# writes bench/results/sets/pool8k.npz and bench/results/sets/nfr_<ipc>_d<seed>.npz
# (with KEEP_BEST=none: nfr_<ipc>_last_d<seed>.npz; with STEPS=N: nfr_<ipc>_<N>steps...;
# not committed) and the time of each beside it (.time), then, e.g.:
#   .venv/bin/python bench/short_training.py --sets "$(ls bench/results/sets/nfr_*_d[0-9].npz | paste -sd,)" --tag final
# POOL=fashion: Fashion-MNIST from Debian's IDX files (dataset-fashion-mnist; pool: the
# first 8,000 training images, test: the first 2,000 test images), in
# bench/results/sets/fashion/; give short_training.py `--pool` that directory's pool8k.npz.
set -euo pipefail
cd "$(dirname "$0")/.."
pool=${POOL:-mnist}
out=bench/results/sets
[ "$pool" = mnist ] || out="$out/$pool"
mkdir -p "$out"
.venv/bin/python - "$out/pool8k.npz" "$pool" <<'PY'
import sys
import numpy as np
from tfx_distill.contracts.sources import SAMPLE_PATH, load_idx_dir
if sys.argv[2] == 'mnist':
  with np.load(SAMPLE_PATH, allow_pickle=False) as data:
    x, y = data['x'], data['y']
  train, test = (x[:8000], y[:8000]), (x[8000:], y[8000:])
elif sys.argv[2] == 'fashion':
  data = load_idx_dir('/usr/share/datasets/fashion-mnist')
  as_bytes = lambda images: np.round(images * 255).astype(np.uint8)
  train = as_bytes(data.images[:8000]), data.labels[:8000]
  test = as_bytes(data.test_images[:2000]), data.test_labels[:2000]
else:
  sys.exit(f'POOL must be mnist or fashion, got {sys.argv[2]!r}')
np.savez(sys.argv[1], x_train=train[0], y_train=train[1], x_test=test[0], y_test=test[1])
PY
ipcs=("$@")
[ ${#ipcs[@]} -gt 0 ] || ipcs=(1 10)
flags=() suffix=
if [ -n "${STEPS:-}" ]; then
  flags+=(--steps "$STEPS")
  suffix="_${STEPS}steps"
fi
if [ -n "${TAG:-}" ]; then
  read -r -a extra <<< "${FLAGS:-}"
  flags+=("${extra[@]}")
  suffix="${suffix}_$TAG"
fi
if [ -n "${KEEP_BEST:-}" ]; then
  flags+=(--keep-best "$KEEP_BEST")
  [ "$KEEP_BEST" = none ] && suffix="${suffix}_last" || suffix="${suffix}_$KEEP_BEST"
fi
for ipc in "${ipcs[@]}"; do
  for seed in 0 1 2; do
    name="nfr_${ipc}${suffix}_d${seed}"
    /usr/bin/time -o "$out/$name.time" -f "$name: %e s wall, %U s user" \
      .venv/bin/tfx-distill distill --data "npz:$out/pool8k.npz" --eval-source test \
      --valid-fraction 0.01 --ipc "$ipc" --seed "$seed" "${flags[@]}" \
      --out "$out/$name.npz" 2> >(grep -E '^wrote|warning' >&2)
    cat "$out/$name.time" >&2
  done
done
