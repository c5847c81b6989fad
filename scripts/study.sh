#!/usr/bin/env bash
# Runs the study of docs/results.md (second edition, issue #22) on this machine: a controller and one worker process
# per core over NATS JetStream and PostgreSQL, the two sequential sweeps of examples/study/decide-*.yaml, then a
# confirmation of each sweep's two best competitors against the proposed model on fresh seeds, the run store exported
# to docs/results-data/ and `tailsweep report` into docs/results.md.
#   bash scripts/study.sh              # study size (the wall time it took is in docs/results.md)
#   SIZE=.paper bash scripts/study.sh  # the paper-sized files into docs/results.paper.md (for a team: add workers elsewhere)
#   FROM_EXPORT=1 bash scripts/study.sh  # no training: imports docs/results-data/*.json.gz into a fresh embedded store
#                                        # and rewrites the report from it, as anyone can without the compute
# DATABASE_URL / NATS_URL default to the local PostgreSQL (database tailsweep_study, created if absent) and NATS.
# A rerun submits new sweeps; REPORT_ONLY="<id> <id>" only rewrites the report from stored sweeps.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${SIZE:-}
OUT=${OUT:-docs/results$SIZE.md}
DATA=${DATA:-docs/results-data$SIZE}
DATASETS=${DATASETS:-mnist-2view mnist-fashion}
# fresh seeds for the confirmation stage: the sequential design uses 1..20 (seeds.max)
CONFIRM_SEEDS=${CONFIRM_SEEDS:-21..30}
CONFIRM_TOP=${CONFIRM_TOP:-2}
WORKERS=${WORKERS:-$(nproc)}
cli=(node apps/cli/bin/tailsweep.mjs)
tailsweep() { "${cli[@]}" "$@"; }
json() { node -e "const v = JSON.parse(require('fs').readFileSync(0, 'utf8')); console.log($1)"; }

# docs/results-notes.md is the hand-written reading of the committed (study-size) run; the report places it after
# its introduction. Other sizes get no reading unless NOTES names one.
if [ -z "$SIZE" ]; then NOTES=${NOTES-docs/results-notes.md}; else NOTES=${NOTES-}; fi
report() {
  tailsweep report "$@" --out "$OUT" --title "Does the Student-t multimodal VAE beat its baselines under class imbalance? (second edition)" \
    ${NOTES:+$( [ -f "$NOTES" ] && echo --notes "$NOTES")}
}

if [ -n "${FROM_EXPORT:-}" ]; then
  # An embedded store of its own, so the imported sweeps are the only ones the report reads.
  store=$(mktemp -d)
  trap 'rm -rf "$store"' EXIT
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
# started directly (not through the function), so that $! is the node process the trap stops
"${cli[@]}" controller > "$logs/controller.log" 2>&1 &
controller=$!
"${cli[@]}" worker --concurrency "$WORKERS" > "$logs/worker.log" 2>&1 &
worker=$!
trap 'kill $worker $controller 2>/dev/null; wait 2>/dev/null' EXIT

start=$(date +%s)
elapsed() { echo "$(( ($(date +%s) - start) / 60 )) min"; }
# until every sweep is completed (a sequential sweep stays running between its looks) or cancelled
wait_for() {
  for id in "$@"; do
    until tailsweep sweep status "$id" --json | node -e 'process.exit(["completed","cancelled"].includes(JSON.parse(require("fs").readFileSync(0, "utf8")).status) ? 0 : 1)'; do
      sleep 30
    done
    echo "sweep $id done after $(elapsed)"
  done
}

ids=()
for ds in $DATASETS; do
  id=$(tailsweep sweep submit "examples/study/decide-$ds$SIZE.yaml" --json | json v.id)
  echo "submitted decide-$ds$SIZE: $id"
  ids+=("$id")
done
wait_for "${ids[@]}"
echo "sequential stage: $(( $(date +%s) - start )) s"

# The confirmation stage: the two best competitors by their seed mean on the design's seeds, selected after it
# decided, run again with the proposed model on seeds that played no part in choosing them (docs/statistics.md,
# "Selection and confirmation").
for id in "${ids[@]}"; do
  tailsweep sweep confirm "$id" --baseline variant=proposed --top "$CONFIRM_TOP" --seeds "$CONFIRM_SEEDS"
done
wait_for "${ids[@]}"
echo "study wall time: $(( $(date +%s) - start )) s for ${#ids[@]} sweeps on $WORKERS workers"

# The run store, so the report can be rebuilt without training (FROM_EXPORT=1 above).
i=0
for ds in $DATASETS; do
  tailsweep sweep export "${ids[$i]}" -o "$DATA/decide-$ds.json.gz"
  i=$((i + 1))
done
report "${ids[@]}"
echo "report: $OUT (sweeps ${ids[*]}); run store: $DATA/"
