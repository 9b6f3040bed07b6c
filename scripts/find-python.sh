#!/usr/bin/env bash
# Prints the path of a working Python 3.10 interpreter, or fails with a message.
set -euo pipefail
for candidate in "${PYTHON:-}" python3.10 "$HOME"/.pyenv/versions/3.10*/bin/python3.10 \
    /usr/bin/python3.10 /usr/local/bin/python3.10; do
  [ -n "$candidate" ] || continue
  if "$candidate" -c 'import sys, venv; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
    command -v "$candidate" || echo "$candidate"
    exit 0
  fi
done
echo "tfx-distill needs Python 3.10 (TFX 1.16); none found. Set PYTHON=/path/to/python3.10." >&2
exit 1
