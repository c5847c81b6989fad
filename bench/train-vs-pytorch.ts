// tailsweep vs PyTorch, one training step, same computation, same threads — each side in a process of its own
// (bench/peers/tfjs-step.ts and bench/peers/torch_step.py) so that peak RSS is per side.
// Cases: `reference` (the compute notes' network, batch 128) and `proposed` (the real model, labeled + unlabeled).
// Usage: pnpm bench [--quick] [--json] [--threads N] [--cases reference,proposed]
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { PROPOSED, proposedLayers, REFERENCE, stepGflop } from "./peers/cases";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    threads: { type: "string", default: "2" },
    cases: { type: "string", default: "reference,proposed" },
  },
});
const here = dirname(fileURLToPath(import.meta.url));
const [warmup, steps] = values.quick ? [3, 8] : [10, 50];
const threads = values.threads!;

interface SideResult {
  side: string;
  backend: string;
  msPerStep: number;
  loss: [number, number];
  peakRssMb: number;
}

/** Debian's own interpreter holds python3-torch (a pyenv python3 may come first on PATH). */
function torchPython(): string | undefined {
  for (const candidate of ["/usr/bin/python3", "python3"]) {
    const probe = spawnSync(candidate, ["-c", "import torch"], { stdio: "ignore" });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

function runSide(command: string, args: string[]): SideResult {
  const out = execFileSync(command, args, {
    encoding: "utf8",
    env: { ...process.env, OMP_NUM_THREADS: threads },
  });
  const line = out.trim().split("\n").at(-1)!;
  return JSON.parse(line) as SideResult;
}

const python = torchPython();
if (!python) {
  process.stderr.write(
    "PyTorch peer unavailable: install it with `apt-get install python3-torch libopenblas0-openmp` (Debian); timing tailsweep alone.\n",
  );
}
const gflop: Record<string, number> = {
  reference: stepGflop(REFERENCE.layers),
  proposed: stepGflop(proposedLayers(PROPOSED)),
};
const report: Record<string, unknown> = {};
for (const name of values.cases!.split(",")) {
  if (!(name in gflop)) throw new Error(`--cases: unknown case '${name}' (reference, proposed)`);
  const args = [name, String(warmup), String(steps), threads];
  const ours = runSide(process.execPath, ["--import", "tsx", join(here, "peers", "tfjs-step.ts"), ...args]);
  const peer =
    python && existsSync(join(here, "peers", "torch_step.py"))
      ? runSide(python, [join(here, "peers", "torch_step.py"), ...args])
      : undefined;
  report[name] = {
    gflopPerStep: gflop[name],
    tailsweep: { ...ours, gflops: gflop[name]! / (ours.msPerStep / 1000) },
    pytorch: peer ? { ...peer, gflops: gflop[name]! / (peer.msPerStep / 1000) } : null,
    ratio: peer ? ours.msPerStep / peer.msPerStep : null,
    rssRatio: peer ? ours.peakRssMb / peer.peakRssMb : null,
  };
}

if (values.json) {
  console.log(JSON.stringify({ threads: Number(threads), warmup, steps, cases: report }));
} else {
  console.log(`one training step, median of ${steps} after ${warmup} warm-up, ${threads} threads each\n`);
  console.log("case       side       ms/step   GFLOP/s  peak RSS MB  backend");
  for (const [name, r] of Object.entries(report) as [
    string,
    {
      tailsweep: SideResult & { gflops: number };
      pytorch: (SideResult & { gflops: number }) | null;
      ratio: number | null;
      rssRatio: number | null;
    },
  ][]) {
    for (const s of [r.tailsweep, r.pytorch]) {
      if (!s) continue;
      console.log(
        `${name.padEnd(10)} ${s.side.padEnd(10)} ${s.msPerStep.toFixed(1).padStart(7)} ${s.gflops.toFixed(1).padStart(9)} ${s.peakRssMb.toFixed(0).padStart(12)}  ${s.backend}`,
      );
    }
    if (r.ratio !== null)
      console.log(
        `${name.padEnd(10)} ratio tailsweep/PyTorch: time ${r.ratio.toFixed(2)}, peak RSS ${r.rssRatio!.toFixed(2)}\n`,
      );
  }
}
