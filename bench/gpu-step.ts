// The proposed model's training step on the GPU path: tailsweep on the webgpu backend (Dawn over Vulkan) against a
// PyTorch peer of the same computation (bench/peers/torch_step.py) on CUDA when it has a GPU, else on the CPU — at
// batch 128 and 1024 (half labeled, half unlabeled), each side in a process of its own. Prints ms per step, both
// sides' first and last loss, the WebGPU adapter and the ratio webgpu / PyTorch (the first mark on an H100: ≤ 3 at
// batch 1024). On a CPU machine the webgpu side runs on lavapipe: a check that the bench works, not a GPU number.
// Usage: node --import tsx bench/gpu-step.ts [--batches 128,1024] [--warmup 3] [--steps 10] [--json]
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    batches: { type: "string", default: "128,1024" },
    warmup: { type: "string", default: "3" },
    steps: { type: "string", default: "10" },
    json: { type: "boolean", default: false },
  },
});
const here = dirname(fileURLToPath(import.meta.url));
const batches = values.batches!.split(",").map(Number);
for (const b of batches)
  if (!Number.isInteger(b) || b < 2 || b % 2) throw new Error(`--batches: even whole numbers ≥ 2, got ${b}`);

interface Side {
  side: string;
  backend: string;
  msPerStep: number;
  loss: [number, number];
  peakRssMb: number;
}

/** A Python with PyTorch, and the device it should use: CUDA when torch sees a GPU. */
function torchPeer(): { python: string; device: "cuda" | "cpu" } | undefined {
  for (const python of ["python3", "/usr/bin/python3"]) {
    const probe = spawnSync(
      python,
      ["-c", "import torch; print('cuda' if torch.cuda.is_available() else 'cpu')"],
      {
        encoding: "utf8",
      },
    );
    if (probe.status === 0) return { python, device: probe.stdout.trim() === "cuda" ? "cuda" : "cpu" };
  }
  return undefined;
}

const run = (command: string, args: string[], env: Record<string, string> = {}): Side =>
  JSON.parse(
    execFileSync(command, args, {
      encoding: "utf8",
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"],
    })
      .trim()
      .split("\n")
      .at(-1)!,
  ) as Side;

// In the GPU kit the peers sit beside this file, bundled; in the repository they run from source through tsx.
const bundled = join(here, "tfjs-step.mjs");
const tfjsStep = existsSync(bundled) ? [bundled] : ["--import", "tsx", join(here, "peers", "tfjs-step.ts")];
const peer = torchPeer();
if (!peer) process.stderr.write("PyTorch not found: timing tailsweep's webgpu side alone\n");
const rows = batches.map((batch) => {
  const args = ["proposed", values.warmup!, values.steps!, "1", String(batch)];
  const webgpu = run(process.execPath, [...tfjsStep, ...args], { TAILSWEEP_BACKEND: "webgpu" });
  const torch = peer
    ? run(peer.python, [join(here, "peers", "torch_step.py"), ...args, peer.device])
    : undefined;
  return { batch, webgpu, torch: torch ?? null, ratio: torch ? webgpu.msPerStep / torch.msPerStep : null };
});

if (values.json) console.log(JSON.stringify({ rows }, null, 2));
else {
  console.log(
    `proposed model, one training step (Adam), median of ${values.steps} after ${values.warmup} warm-up`,
  );
  console.log(`webgpu: ${rows[0]!.webgpu.backend}`);
  if (peer) console.log(`pytorch: ${rows[0]!.torch!.backend} (${peer.device})`);
  console.log(
    `${"batch".padStart(6)}${"webgpu ms".padStart(12)}${"pytorch ms".padStart(12)}${"ratio".padStart(8)}  loss first→last (webgpu | pytorch)`,
  );
  for (const r of rows)
    console.log(
      `${String(r.batch).padStart(6)}${r.webgpu.msPerStep.toFixed(1).padStart(12)}${(r.torch?.msPerStep.toFixed(1) ?? "—").padStart(12)}${(r.ratio?.toFixed(2) ?? "—").padStart(8)}  ${r.webgpu.loss.map((l) => l.toFixed(2)).join("→")} | ${r.torch?.loss.map((l) => l.toFixed(2)).join("→") ?? "—"}`,
    );
}
