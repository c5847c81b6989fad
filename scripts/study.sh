#!/usr/bin/env bash
# Runs the study of docs/results.md on this machine: a controller and one worker process per core over NATS
# JetStream and PostgreSQL, the three sweeps of examples/study/, then `tailsweep report` into docs/results.md.
#   bash scripts/study.sh              # study size (66 min measured on 2 cores)
#   SIZE=.paper bash scripts/study.sh  # the paper-sized files into docs/results.paper.md (for a team: add workers elsewhere)
# DATABASE_URL / NATS_URL default to the local PostgreSQL (database tailsweep_study, created if absent) and NATS.
# A rerun submits new sweeps; REPORT_ONLY="<id> <id> <id>" only rewrites the report from stored sweeps.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${SIZE:-}
OUT=${OUT:-docs/results$SIZE.md}
export DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/tailsweep_study}
export NATS_URL=${NATS_URL:-nats://127.0.0.1:4222}
export TAILSWEEP_NATS_PREFIX=${TAILSWEEP_NATS_PREFIX:-study}
WORKERS=${WORKERS:-$(nproc)}
cli=(node apps/cli/bin/tailsweep.mjs)
tailsweep() { "${cli[@]}" "$@"; }

# docs/results-notes.md is the hand-written reading of the committed (study-size) run; the report places it after
# its introduction. Other sizes get no reading unless NOTES names one.
if [ -z "$SIZE" ]; then NOTES=${NOTES-docs/results-notes.md}; else NOTES=${NOTES-}; fi
report() {
  tailsweep report "$@" --out "$OUT" --title "Does the Student-t multimodal VAE beat its baselines under class imbalance?" \
    ${NOTES:+$( [ -f "$NOTES" ] && echo --notes "$NOTES")}
}
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
mkdir -p "$logs"
# started directly (not through the function), so that $! is the node process the trap stops
"${cli[@]}" controller > "$logs/controller.log" 2>&1 &
controller=$!
"${cli[@]}" worker --concurrency "$WORKERS" > "$logs/worker.log" 2>&1 &
worker=$!
trap 'kill $worker $controller 2>/dev/null; wait 2>/dev/null' EXIT

start=$(date +%s)
ids=()
for name in main gamma-nu missing-modality; do
  id=$(tailsweep sweep submit "examples/study/$name$SIZE.yaml" --json | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).id')
  echo "submitted $name$SIZE: $id"
  ids+=("$id")
done
for id in "${ids[@]}"; do
  until tailsweep sweep status "$id" --json | node -e 'process.exit(["completed","cancelled"].includes(JSON.parse(require("fs").readFileSync(0, "utf8")).status) ? 0 : 1)'; do
    sleep 60
  done
  echo "sweep $id done after $(( ($(date +%s) - start) / 60 )) min"
done
echo "study wall time: $(( $(date +%s) - start )) s for ${#ids[@]} sweeps on $WORKERS workers"
report "${ids[@]}"
echo "report: $OUT (sweeps ${ids[*]})"
