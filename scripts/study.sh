#!/usr/bin/env bash
# Runs the study of docs/results.md (second edition, issue #22) on this machine: a controller and one worker process
# per core over NATS JetStream and PostgreSQL, the sequential sweeps examples/study/decide-<DATASETS>.yaml, each followed,
# as soon as its design has decided, by a confirmation of its best competitor against the proposed model on fresh
# seeds; then the run store exported to docs/results-data/ and `tailsweep report` into docs/results.md.
#   bash scripts/study.sh                # study size (the wall time it took is in docs/results.md)
#   SIZE=.paper bash scripts/study.sh    # the paper-sized files into docs/results.paper.md (for a team: add workers elsewhere)
#   FROM_EXPORT=1 bash scripts/study.sh  # no training: imports docs/results-data/*.json.gz into a fresh embedded store
#                                        # and rewrites the report from it, as anyone can without the compute
# DATABASE_URL / NATS_URL default to the local PostgreSQL (database tailsweep_study, created if absent) and NATS.
# Each run submits new sweeps. SWEEPS="<id> <id>" (in DATASETS order) watches, confirms and reports stored sweeps
# instead, with NO_DAEMONS=1 when their controller and workers already run; REPORT_ONLY="<id> <id>" only rewrites the
# report from stored sweeps.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${SIZE:-}
OUT=${OUT:-docs/results$SIZE.md}
DATA=${DATA:-docs/results-data$SIZE}
# the two benchmarks of the committed run, each with its own sequential design at α = 0.025 (0.05 across the two)
DATASETS=${DATASETS:-mnist-2view mnist-fashion}
# fresh seeds for the confirmation stage: the sequential design runs seeds 1..20 (seeds.max)
CONFIRM_SEEDS=${CONFIRM_SEEDS:-21..30}
CONFIRM_TOP=${CONFIRM_TOP:-1}
# seconds between looks at the sweeps' states (each look starts the CLI: about 2.5 s of CPU the workers do not get)
POLL=${POLL:-120}
WORKERS=${WORKERS:-$(nproc)}
cli=(node apps/cli/bin/tailsweep.mjs)
tailsweep() { "${cli[@]}" "$@"; }
json() { node -e "const v = JSON.parse(require('fs').readFileSync(0, 'utf8')); console.log($1)"; }
# The run store is the one named here, never a dashboard a saved `tailsweep login` or a token points at.
unset TAILSWEEP_TOKEN TAILSWEEP_URL
XDG_CONFIG_HOME=$(mktemp -d)
export XDG_CONFIG_HOME
trap 'rm -rf "$XDG_CONFIG_HOME"' EXIT

# docs/results-notes.md is the hand-written reading of the committed (study-size) run; the report places it after
# its introduction. Other sizes get no reading unless NOTES names one.
if [ -z "$SIZE" ]; then NOTES=${NOTES-docs/results-notes.md}; else NOTES=${NOTES-}; fi
report() {
  # figures of an earlier report would stay beside the new ones
  rm -rf "${OUT%.md}-figures"
  tailsweep report "$@" --out "$OUT" --title "Does the Student-t multimodal VAE beat its baselines under class imbalance? (second edition)" \
    ${NOTES:+$( [ -f "$NOTES" ] && echo --notes "$NOTES")}
}

if [ -n "${FROM_EXPORT:-}" ]; then
  # An embedded store of its own, so the imported sweeps are the only ones the report reads.
  store=$(mktemp -d)
  trap 'rm -rf "$store" "$XDG_CONFIG_HOME"' EXIT
  export TAILSWEEP_DB_DIR="$store/db" DATABASE_URL="" NATS_URL=""
  ids=()
  for ds in $DATASETS; do
    ids+=("$(tailsweep sweep import "$DATA/decide-$ds.json.gz" --json | json v.id)")
  done
  report "${ids[@]}"
  echo "report: $OUT (from $DATA, sweeps ${ids[*]})"
  exit
fi

export DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/tailsweep_study}
export NATS_URL=${NATS_URL:-nats://127.0.0.1:4222}
export TAILSWEEP_NATS_PREFIX=${TAILSWEEP_NATS_PREFIX:-study}
if [ -n "${REPORT_ONLY:-}" ]; then
  # shellcheck disable=SC2086
  report $REPORT_ONLY
  exit
fi

db=${DATABASE_URL##*/}
if ! psql "${DATABASE_URL%/*}/postgres" -tAc "select 1 from pg_database where datname = '$db'" | grep -q 1; then
  psql "${DATABASE_URL%/*}/postgres" -qc "create database \"$db\""
fi

logs=${LOGS:-.tailsweep/study-logs}
mkdir -p "$logs" "$DATA"
if [ -z "${NO_DAEMONS:-}" ]; then
  # started directly (not through the function), so that $! is the node process the trap stops
  "${cli[@]}" controller >> "$logs/controller.log" 2>&1 &
  controller=$!
  "${cli[@]}" worker --concurrency "$WORKERS" >> "$logs/worker.log" 2>&1 &
  worker=$!
  trap 'kill $worker $controller 2>/dev/null; wait 2>/dev/null; rm -rf "$XDG_CONFIG_HOME"' EXIT
fi

start=$(date +%s)
if [ -n "${SWEEPS:-}" ]; then
  read -r -a ids <<< "$SWEEPS"
else
  ids=()
  for ds in $DATASETS; do
    id=$(tailsweep sweep submit "examples/study/decide-$ds$SIZE.yaml" --new --json | json v.id)
    echo "submitted decide-$ds$SIZE: $id"
    ids+=("$id")
  done
fi

# Each sweep: its sequential design runs to a decision (the sweep stays running between looks); then, at once, the
# confirmation stage: the competitors furthest ahead of the proposed model by the mean paired difference over the seeds
# they share with it (leadsOverBaseline), selected after it decided, run
# again with the proposed model on seeds that played no part in choosing them (docs/statistics.md, "Selection and
# confirmation"), while the other sweep's design goes on. Failed trials are retried (a look waits for them), at most
# RETRIES times per sweep.
RETRIES=${RETRIES:-3}
declare -A stage retried
for id in "${ids[@]}"; do stage[$id]=design; retried[$id]=0; done
# a sweep that already has its confirmation (SWEEPS= after one) is waited for, not confirmed again
for id in "${ids[@]}"; do
  if [ -n "${SWEEPS:-}" ] && tailsweep sweep export "$id" --json | json 'v.revisions.some((r) => r.kind === "confirm")' | grep -q true; then
    stage[$id]=confirm
  fi
done
while :; do
  list=$(tailsweep sweep list --json)
  left=0
  for id in "${ids[@]}"; do
    [ "${stage[$id]}" = done ] && continue
    read -r status failed < <(json "(s => s ? s.status + ' ' + s.failed : 'missing 0')(v.find((s) => s.id === '$id'))" <<< "$list")
    if [ "$status" = missing ]; then
      echo "sweep $id: not in the run store at $DATABASE_URL" >&2
      exit 1
    fi
    if [ "$status" = completed ] && [ "$failed" -gt 0 ]; then
      if [ "${retried[$id]}" -ge "$RETRIES" ]; then
        echo "sweep $id: $failed trials failed after $RETRIES retries; see tailsweep sweep status $id" >&2
        exit 1
      fi
      echo "sweep $id: retrying $failed failed trials after $(( ($(date +%s) - start) / 60 )) min"
      tailsweep sweep retry "$id"
      retried[$id]=$(( retried[$id] + 1 ))
      left=1
      continue
    fi
    if [ "$status" = completed ] && [ "${stage[$id]}" = design ]; then
      echo "sweep $id: sequential design decided after $(( ($(date +%s) - start) / 60 )) min"
      tailsweep sweep confirm "$id" --baseline variant=proposed --top "$CONFIRM_TOP" --seeds "$CONFIRM_SEEDS"
      stage[$id]=confirm
      left=1
    elif [ "$status" = completed ] || [ "$status" = cancelled ]; then
      echo "sweep $id: $status after $(( ($(date +%s) - start) / 60 )) min"
      stage[$id]=done
    else
      left=1
    fi
  done
  [ "$left" = 0 ] && break
  sleep "$POLL"
done
echo "study wall time: $(( $(date +%s) - start )) s for ${#ids[@]} sweeps on $WORKERS workers"

# The run store, so the report can be rebuilt without training (FROM_EXPORT=1 above).
i=0
for ds in $DATASETS; do
  tailsweep sweep export "${ids[$i]}" -o "$DATA/decide-$ds.json.gz"
  i=$((i + 1))
done
report "${ids[@]}"
echo "report: $OUT (sweeps ${ids[*]}); run store: $DATA/"
