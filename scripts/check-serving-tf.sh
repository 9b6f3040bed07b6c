#!/usr/bin/env bash
# Does TensorFlow VERSION (default 2.15.1, Vertex's newest prebuilt prediction container)
# serve a pushed model? scripts/serving_compat.py says how it checks.
#   scripts/check-serving-tf.sh runs/demo/serving/full/<version> [2.15.1]
set -euo pipefail
cd "$(dirname "$0")/.."
model=$(cd "$1" && pwd)
version=${2:-2.15.1}
venv=${TMPDIR:-/tmp}/tfx-distill-tf-$version
[ -x "$venv/bin/python" ] || { "$(scripts/find-python.sh)" -m venv "$venv" \
  && "$venv/bin/pip" install --quiet "tensorflow-cpu==$version"; }
reference=$(mktemp --suffix=.npz)
TF_CPP_MIN_LOG_LEVEL=3 .venv/bin/python scripts/serving_compat.py "$model" --reference "$reference"
cd "$venv"  # nothing of this package on the path
TF_CPP_MIN_LOG_LEVEL=3 "$venv/bin/python" "$OLDPWD/scripts/serving_compat.py" "$model" --check "$reference"
