#!/usr/bin/env bash
# The GPU kit's launcher (built by scripts/gpu-kit/build.ts): runs tailsweep, or one of its GPU benches, with the
# carried Node, Dawn and data, on the machine's Vulkan driver — NVIDIA's where one is installed. The machine needs
# neither Node nor npm nor internet.
#
#   bash gpu-kit/run.sh backends --check --backend webgpu        # the adapter, and one training step against cpu
#   bash gpu-kit/run.sh sweep run gpu-kit/gpu-sweep.yaml --json   # a sweep on the embedded store, trained on the GPU
#   bash gpu-kit/run.sh worker --backend webgpu                   # a GPU worker for a team (with NATS_URL)
#   bash gpu-kit/run.sh bench gpu-step --batches 128,1024         # webgpu against PyTorch (CUDA when it has it)
#   bash gpu-kit/run.sh bench profile-step proposed 1 1024        # where a step's time goes, by kernel
#
# TAILSWEEP_KIT_HOME: where the payload is unpacked (default $TMPDIR/tailsweep-kit; again only when it changed).
# TAILSWEEP_VK_ICD: a Vulkan driver's ICD json to use instead of NVIDIA's (e.g. lavapipe's, to try the kit on a CPU).
# TAILSWEEP_DB_DIR: the embedded run store (default under the kit home).
# TAILSWEEP_KIT_OWN_LOADER=1: use the carried Vulkan loader even where the machine has one.
set -euo pipefail
kit=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
home=${TAILSWEEP_KIT_HOME:-${TMPDIR:-/tmp}/tailsweep-kit}
stamp=$(cksum < "$kit/payload.tar.xz" | cut -d' ' -f1)
if [ ! -f "$home/.unpacked-$stamp" ]; then
  rm -rf "$home"
  mkdir -p "$home"
  tar -xJf "$kit/payload.tar.xz" -C "$home"
  touch "$home/.unpacked-$stamp"
fi

libs=()
# Dawn opens libvulkan.so.1 at run time: the machine's, or else the carried Debian one, unpacked privately.
if [ "${TAILSWEEP_KIT_OWN_LOADER:-}" = 1 ] || ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 '; then
  if [ ! -d "$home/vulkan" ]; then
    for deb in "$home"/debs/*.deb; do dpkg-deb -x "$deb" "$home/vulkan"; done
  fi
  libs+=("$home/vulkan/usr/lib/x86_64-linux-gnu")
fi
[ -d /usr/local/nvidia/lib64 ] && libs+=(/usr/local/nvidia/lib64)

icd=${TAILSWEEP_VK_ICD:-}
if [ -z "$icd" ]; then
  for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
    /etc/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.x86_64.json; do
    if [ -f "$f" ]; then icd=$f; break; fi
  done
fi
if [ -n "$icd" ]; then
  export VK_ICD_FILENAMES=$icd VK_DRIVER_FILES=$icd
else
  echo "run.sh: no NVIDIA Vulkan driver found; Vulkan uses whatever driver is installed" >&2
fi
if [ ${#libs[@]} -gt 0 ]; then
  extra=$(IFS=:; echo "${libs[*]}")
  export LD_LIBRARY_PATH=$extra${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
fi

mkdir -p "$home/xdg" && chmod 700 "$home/xdg"
export XDG_RUNTIME_DIR=$home/xdg
export TAILSWEEP_MIGRATIONS_DIR=$home/prisma/migrations
export TAILSWEEP_CACHE_DIR=${TAILSWEEP_CACHE_DIR:-$home/cache}
export TAILSWEEP_DB_DIR=${TAILSWEEP_DB_DIR:-$home/db}

if [ "${1:-}" = bench ]; then
  [ -n "${2:-}" ] || { echo "run.sh bench: name one: gpu-step | profile-step | tfjs-step" >&2; exit 2; }
  [ -f "$home/app/$2.mjs" ] || { echo "run.sh bench: no bench '$2' (gpu-step | profile-step | tfjs-step)" >&2; exit 2; }
  name=$2
  shift 2
  exec "$home/bin/node" "$home/app/$name.mjs" "$@"
fi
exec "$home/bin/node" "$home/app/tailsweep.mjs" "$@"
