#!/usr/bin/env bash
# Installs the Debian packages the tests use when they are missing (needs root):
# dataset-fashion-mnist (the real 70,000 Fashion-MNIST IDX files) and chromium
# (renders the report page). Without root it says what is missing and goes on; the
# tests that need a package then skip with that reason.
set -uo pipefail
missing=()
dpkg -s dataset-fashion-mnist >/dev/null 2>&1 || missing+=(dataset-fashion-mnist)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "system-deps: not root; missing ${missing[*]} (tests that need them will skip)" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
