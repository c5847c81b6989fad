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
# TAILSWEEP_KIT_HOME: a folder of this user's where the payload is unpacked (once per payload) and the run store
# and data cache are kept (default $TMPDIR/tailsweep-kit-<uid>).
# TAILSWEEP_VK_ICD: a Vulkan driver's ICD json to use instead of NVIDIA's (e.g. lavapipe's, to try the kit on a CPU).
# TAILSWEEP_DB_DIR: the embedded run store (default <kit home>/db; kept when a new kit is unpacked).
# TAILSWEEP_KIT_OWN_LOADER=1: use the carried Vulkan loader even where the machine has one.
set -euo pipefail
kit=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
home=${TAILSWEEP_KIT_HOME:-${TMPDIR:-/tmp}/tailsweep-kit-$(id -u)}
mkdir -p "$home"
# The kit runs what it finds there: refuse a folder someone else owns (a shared /tmp).
if [ ! -O "$home" ]; then
  echo "run.sh: $home belongs to another user; set TAILSWEEP_KIT_HOME to a folder of yours" >&2
  exit 2
fi
chmod 700 "$home"

# Each payload unpacks into a folder of its own, whole or not at all; the run store, data cache and runtime folder
# beside it outlive a new kit.
stamp=$(cksum < "$kit/payload.tar.xz" | cut -d' ' -f1)
app=$home/payload-$stamp
if [ ! -d "$app" ]; then
  tmp=$(mktemp -d "$home/unpacking.XXXXXX")
  tar -xJf "$kit/payload.tar.xz" -C "$tmp"
  mv -T "$tmp" "$app" 2>/dev/null || rm -rf "$tmp" # another run unpacked it first
  for old in "$home"/payload-*; do
    if [ "$old" != "$app" ]; then rm -rf "$old"; fi
  done
fi

# Dawn opens libvulkan.so.1 at run time: the machine's, or else the carried one (from Debian's libvulkan1).
libs=()
cache=$({ ldconfig -p || /sbin/ldconfig -p; } 2>/dev/null || true)
if [ "${TAILSWEEP_KIT_OWN_LOADER:-}" = 1 ] || [[ $cache != *"libvulkan.so.1 "* ]]; then
  libs+=("$app/vulkan/usr/lib/x86_64-linux-gnu")
fi
if [ -d /usr/local/nvidia/lib64 ]; then libs+=(/usr/local/nvidia/lib64); fi

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
export TAILSWEEP_MIGRATIONS_DIR=$app/prisma/migrations
export TAILSWEEP_CACHE_DIR=${TAILSWEEP_CACHE_DIR:-$home/cache}
export TAILSWEEP_DB_DIR=${TAILSWEEP_DB_DIR:-$home/db}

if [ "${1:-}" = bench ]; then
  if [ -z "${2:-}" ] || [ ! -f "$app/app/$2.mjs" ]; then
    echo "run.sh bench: name one of gpu-step | profile-step | tfjs-step (got '${2:-}')" >&2
    exit 2
  fi
  name=$2
  shift 2
  exec "$app/bin/node" "$app/app/$name.mjs" "$@"
fi
exec "$app/bin/node" "$app/app/tailsweep.mjs" "$@"
