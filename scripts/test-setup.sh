#!/usr/bin/env bash
# Runs before the test suite (`pnpm test`): makes sure every system package and service the suite needs is here, so
# that no test file errors or skips for want of one. As root with apt it installs what is missing; otherwise it stops
# at once with the exact command to run. Quick when everything is in place (a few lookups, no network).
set -euo pipefail

say() { printf 'test setup: %s\n' "$*" >&2; }

# test/nats-cluster.test.ts makes its "hosts" out of network namespaces (ip netns, veth pairs, a bridge) and
# test/fault-drills.test.ts runs a PostgreSQL cluster of its own as the postgres user: both take root, and without it
# they fail rather than skip. Say so now, not minutes into the run.
if [ "$(id -u)" -ne 0 ]; then
  say "the cluster and fault-drill tests need root (network namespaces, a PostgreSQL of their own): run the suite as"
  say "root (sudo -E pnpm test), or the rest without them:"
  say "  pnpm exec vitest run --exclude test/nats-cluster.test.ts --exclude test/fault-drills.test.ts"
  exit 1
fi

need=() # Debian packages to install from bookworm
need_backports=() # from bookworm-backports (Mesa ≥ 25: Dawn, behind the webgpu backend, refuses bookworm's Mesa 22)
fix=()  # commands to run for what is not a package

# PostgreSQL itself, where a machine came without it.
command -v pg_ctlcluster >/dev/null || need+=(postgresql)
# Chromium for the dashboard's browser tests (Debian's build, driven by playwright-core; never `playwright install`).
[ -n "${CHROMIUM_PATH:-}" ] || command -v chromium >/dev/null || need+=(chromium)
# OpenBLAS for the wasm-blas compute backend.
# (grep reads all of ldconfig's output: `grep -q` would stop early, and SIGPIPE fails the pipe under pipefail)
ldconfig -p 2>/dev/null | grep 'libopenblas.so.0' >/dev/null || need+=(libopenblas0-openmp)
# The benches' PyTorch peer (bench/train-vs-pytorch.ts), set up as bench/peers/setup-torch.sh does: Debian's torch,
# the OpenMP OpenBLAS it is pointed at, and jemalloc. No test needs it; `pnpm bench` after `pnpm test` should just work.
/usr/bin/python3 -c 'import torch' 2>/dev/null || need+=(python3-torch)
ldconfig -p 2>/dev/null | grep 'libjemalloc.so.2' >/dev/null || need+=(libjemalloc2)
[ -e /usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3 ] || need+=(libopenblas0-openmp)
# The GPU kit's build strips binaries and compresses with xz.
command -v strip >/dev/null || need+=(binutils)
command -v xz >/dev/null || need+=(xz-utils)
# The fault tests run NATS servers of their own on other ports.
command -v nats-server >/dev/null || need+=(nats-server)
# Vulkan on the CPU (lavapipe), so the webgpu code path runs and its tests are required, not skipped.
if ! dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | grep -q '^2[5-9]' \
  || ! ldconfig -p 2>/dev/null | grep 'libvulkan.so.1' >/dev/null; then
  need_backports+=(mesa-vulkan-drivers libvulkan1)
fi
# The netns tests (a NATS cluster across "hosts") need iproute2.
command -v ip >/dev/null || need+=(iproute2)

backports_list=/etc/apt/sources.list.d/tailsweep-backports.list
install_cmd() {
  local cmd=""
  if [ ${#need_backports[@]} -gt 0 ]; then
    cmd+="echo 'deb http://deb.debian.org/debian bookworm-backports main' > $backports_list && "
  fi
  cmd+="apt-get update -qq"
  [ ${#need[@]} -gt 0 ] && cmd+=" && apt-get install -y -qq ${need[*]}"
  [ ${#need_backports[@]} -gt 0 ] && cmd+=" && apt-get install -y -qq -t bookworm-backports ${need_backports[*]}"
  printf '%s' "$cmd"
}

if [ ${#need[@]} -gt 0 ] || [ ${#need_backports[@]} -gt 0 ]; then
  cmd=$(install_cmd)
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    say "installing ${need[*]} ${need_backports[*]}"
    DEBIAN_FRONTEND=noninteractive bash -c "$cmd" >/dev/null
  else
    say "missing system packages: ${need[*]} ${need_backports[*]}"
    say "run as root:  $cmd"
    exit 1
  fi
fi

# --- services: PostgreSQL (TEST_DATABASE_URL, default the local one) and NATS with JetStream (NATS_URL) ---
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
if ! port_open 127.0.0.1 5432; then
  if [ "$(id -u)" -eq 0 ] && command -v pg_ctlcluster >/dev/null; then
    say "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -n | tail -1)" main start
    for _ in $(seq 60); do port_open 127.0.0.1 5432 && break; sleep 0.5; done
  else
    fix+=("pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start")
  fi
fi
nats_hostport=${NATS_URL:-127.0.0.1:4222}
nats_hostport=${nats_hostport#nats://}
if ! port_open "${nats_hostport%:*}" "${nats_hostport##*:}"; then
  if [ "$(id -u)" -eq 0 ] && [ "$nats_hostport" = 127.0.0.1:4222 ] && command -v nats-server >/dev/null; then
    say "starting NATS with JetStream on 127.0.0.1:4222"
    mkdir -p /var/lib/nats-server
    start-stop-daemon --start --oknodo --background --exec "$(command -v nats-server)" -- \
      -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server
    for _ in $(seq 50); do port_open 127.0.0.1 4222 && break; sleep 0.2; done
  else
    fix+=("start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server")
  fi
fi
# The tests' own role (vitest.config.ts's TEST_DATABASE_URL default): a password, so the tests connect whether local
# TCP auth is trust (this machine kind) or Debian's stock scram-sha-256; CREATEDB and CREATEROLE for the databases
# and roles tests make of their own.
if [ ${#fix[@]} -eq 0 ] && [ -z "${TEST_DATABASE_URL:-}" ] && command -v runuser >/dev/null; then
  runuser -u postgres -- psql -qtAc "SELECT 1 FROM pg_roles WHERE rolname = 'tailsweep_test'" 2>/dev/null | grep 1 >/dev/null \
    || runuser -u postgres -- psql -qc "CREATE ROLE tailsweep_test LOGIN CREATEDB CREATEROLE PASSWORD 'tailsweep_test'" >/dev/null
fi
if [ ${#fix[@]} -gt 0 ]; then
  say "services the tests need are down; start them (as root):"
  for c in "${fix[@]}"; do say "  $c"; done
  exit 1
fi
