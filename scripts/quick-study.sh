#!/usr/bin/env bash
# The issue-2 check: mnist-2view, ρ = 100, β = 0.1, quick preset, seeds 1–3, the proposed model and four
# baselines. Writes one result JSON per run to $OUT (default .tailsweep/quick-study) and prints the summary table.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-.tailsweep/quick-study}
mkdir -p "$OUT"
for seed in 1 2 3; do
  for variant in proposed gaussian concat single supervised; do
    f="$OUT/$variant-$seed.json"
    [ -s "$f" ] && continue
    echo "== $variant seed $seed" >&2
    pnpm -s tailsweep train --preset quick --dataset mnist-2view --imbalance-ratio 100 --label-ratio 0.1 \
      --variant "$variant" --seed "$seed" --out "$f" > /dev/null
  done
done
node --import tsx scripts/summarize-runs.ts "$OUT"/*.json
