#!/usr/bin/env bash
# Installs the PyTorch peer of bench/train-vs-pytorch.ts as a competent user sets it up on a Debian machine of this
# kind: Debian's python3-torch (pip cannot reach a wheel index here), the OpenMP build of OpenBLAS (the bench puts its
# directory first on the peer's library path, whichever BLAS alternative apt chose) and jemalloc (the bench preloads
# it into the peer). Root only; idempotent.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  echo "setup-torch: run as root, or: sudo apt-get install -y python3-torch libopenblas0-openmp libjemalloc2" >&2
  exit 1
fi
missing=()
for pkg in python3-torch libopenblas0-openmp libjemalloc2; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
/usr/bin/python3 -c 'import torch; print(f"setup-torch: torch {torch.__version__} ready")'
