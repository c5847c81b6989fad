// tailsweep vs PyTorch, one training step, same computation, same threads — each side in a process of its own
// (bench/peers/tfjs-step.ts and bench/peers/torch_step.py) so that peak RSS is per side.
// Cases: `reference` (the compute notes' network, batch 128) and `proposed` (the real model, labeled + unlabeled).
//
// The peer is PyTorch as a competent user sets it up on this machine (issue #19): Debian's python3-torch, OpenMP
// OpenBLAS first on its library path, jemalloc preloaded with its purging off, OMP_NUM_THREADS and torch's threads =
// the bench's, denormals flushed to zero. Its settings are printed with every run. The allocator matters most: glibc's
// malloc returns every step's large buffers to the kernel and faults them in again, and so does jemalloc at its
// default decay (proposed case, 1 thread, measured once under load: glibc 152 ms and 4,600 minor faults per step,
// jemalloc 220 ms / 8,800, glibc with mmap and trim thresholds raised 84 ms / 92, jemalloc without decay 83 ms / 2).
// Before any timing, each case is computed once by both sides from the same weights and batch with the posterior's
// mean decoded (no noise), and the losses of steps 1 and 2 must agree; then each side runs `--runs` times,
// interleaved (the order alternates per round), and the median and range of the runs' medians are reported. A ratio
// is withheld when the peer is not so configured, when the sides disagree, when the 1-minute load before the bench is
// above --max-load, when other processes took more than --max-foreign of the machine's CPU time while a case ran
// (from /proc/stat, less this process's and its children's own time: the bench's own threads are not "load"), or when
// a side's runs spread wider than --max-spread of their median (the interquartile range: one stray run of five is
// shown in the range but does not void the rest).
// tailsweep's side runs as the CLI runs it: from an esbuild bundle made as the CLI's is (apps/cli/bin/bundle.mjs,
// `workspaceBundleOptions`), built once per bench into a temporary folder. Through tsx (`--ours-runner tsx`) the same
// step takes the same time but ≈ 70 MB more peak RSS: tsx keeps the TypeScript it compiled and its source maps.
//
// Usage: pnpm bench [--quick] [--json] [--threads 1,2] [--cases reference,proposed] [--runs 5]
//                   [--max-load 1] [--max-foreign 0.1] [--max-spread 0.15] [--ours-allocator glibc|jemalloc]
//                   [--ours-runner bundle|tsx]
// Set-up of the peer (root, Debian): bash bench/peers/setup-torch.sh
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { z } from "zod";
import { cpuReading, foreignCpuShare, loadAverage } from "./cpu-load";
import { PROPOSED, proposedLayers, REFERENCE, stepGflop } from "./peers/cases";
import { type Summary, summarise } from "./summary";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    threads: { type: "string", default: "1,2" },
    cases: { type: "string", default: "reference,proposed" },
    runs: { type: "string", default: "5" },
    "max-load": { type: "string", default: "1" },
    "max-foreign": { type: "string", default: "0.1" },
    "max-spread": { type: "string", default: "0.15" },
    "ours-allocator": { type: "string", default: "glibc" },
    "ours-runner": { type: "string", default: "bundle" },
  },
});
const here = dirname(fileURLToPath(import.meta.url));
// 100 warm-up steps: tailsweep's step runs through JavaScript that V8 keeps compiling for its first ≈ 40–80 steps
// (measured: the reference step at 2 threads takes 25–26 ms at steps 10–40 and 18 ms from step 40 on, and the
// compiler's threads take the core OpenBLAS's second thread needs). A trial runs hundreds to thousands of steps, so
// the settled step is the one compared; the first steps' cost (steps 2–21) is printed beside it for both sides.
const [warmup, steps] = values.quick ? [3, 10] : [100, 40];

const Options = z.object({
  threads: z.array(z.number().int().min(1).max(64)).min(1),
  cases: z.array(z.enum(["reference", "proposed"])).min(1),
  runs: z.number().int().min(1).max(50),
  maxLoad: z.number().positive(),
  maxForeign: z.number().positive().max(1),
  maxSpread: z.number().positive(),
  oursAllocator: z.enum(["glibc", "jemalloc"]),
  oursRunner: z.enum(["bundle", "tsx"]),
});
const parsedOptions = Options.safeParse({
  threads: values.threads.split(",").map(Number),
  cases: values.cases.split(","),
  runs: Number(values.runs),
  maxLoad: Number(values["max-load"]),
  maxForeign: Number(values["max-foreign"]),
  maxSpread: Number(values["max-spread"]),
  oursAllocator: values["ours-allocator"],
  oursRunner: values["ours-runner"],
});
if (!parsedOptions.success) {
  const problems = parsedOptions.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`);
  process.stderr.write(`train-vs-pytorch: ${problems.join("; ")}\n`);
  process.exit(2);
}
const options = parsedOptions.data;

/** One side's JSON line (tfjs-step.ts, torch_step.py). */
const SideResult = z.object({
  side: z.string(),
  backend: z.string(),
  settings: z.record(z.string(), z.unknown()),
  msPerStep: z.number(),
  earlyMsPerStep: z.number().nullable(),
  loss: z.tuple([z.number(), z.number()]),
  peakRssMb: z.number(),
});
type SideResult = z.infer<typeof SideResult>;
const CheckResult = z.object({ side: z.string(), loss: z.tuple([z.number(), z.number()]) });

function lastJsonLine<T>(schema: z.ZodType<T>, out: string): T {
  return schema.parse(JSON.parse(out.trim().split("\n").at(-1) ?? "null"));
}

/** Debian's own interpreter holds python3-torch (a pyenv python3 may come first on PATH). */
function torchPython(): string | undefined {
  for (const candidate of ["/usr/bin/python3", "python3"]) {
    const probe = spawnSync(candidate, ["-c", "import torch"], { stdio: "ignore" });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

/** A shared library's path from the linker cache (`ldconfig -p`), or undefined. */
function sharedLibrary(soname: string): string | undefined {
  const listing = spawnSync("ldconfig", ["-p"], { encoding: "utf8" }).stdout ?? "";
  const line = listing.split("\n").find((l) => l.trim().startsWith(`${soname} `) && l.includes("x86-64"));
  return line?.split("=>")[1]?.trim();
}

/** The OpenMP OpenBLAS's own directory (Debian's libopenblas0-openmp), whatever the system's BLAS alternative is. */
function openMpOpenBlasDir(): string | undefined {
  const openblas = sharedLibrary("libopenblas.so.0");
  const candidates = [
    ...(openblas ? [join(dirname(openblas), "openblas-openmp")] : []),
    "/usr/lib/x86_64-linux-gnu/openblas-openmp",
  ];
  return candidates.find((d) => existsSync(join(d, "libblas.so.3")));
}

const jemalloc = sharedLibrary("libjemalloc.so.2");
const openMpBlas = openMpOpenBlasDir();
const python = torchPython();
const setupHint =
  "run `bash bench/peers/setup-torch.sh` as root (Debian: python3-torch libopenblas0-openmp libjemalloc2)";
const peerProblems = [
  ...(python ? [] : ["PyTorch is not installed"]),
  ...(jemalloc ? [] : ["jemalloc (libjemalloc2) is not installed"]),
  ...(openMpBlas ? [] : ["OpenMP OpenBLAS (libopenblas0-openmp) is not installed"]),
];

/** jemalloc preloaded, keeping freed pages (no decay to the kernel): a training step reuses the same buffers. */
const jemallocEnv = jemalloc
  ? { LD_PRELOAD: jemalloc, MALLOC_CONF: "dirty_decay_ms:-1,muzzy_decay_ms:-1" }
  : {};

function peerEnv(threads: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    OMP_NUM_THREADS: String(threads),
    ...(openMpBlas && {
      LD_LIBRARY_PATH: [openMpBlas, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":"),
    }),
    ...jemallocEnv,
  };
}

function oursEnv(threads: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    OMP_NUM_THREADS: String(threads),
    ...(options.oursAllocator === "jemalloc" && jemallocEnv),
  };
}

/** tailsweep's side as the CLI runs: bench/peers/tfjs-step.ts bundled with the CLI's esbuild options. */
async function bundledStep(): Promise<string> {
  const outdir = mkdtempSync(join(tmpdir(), "bench-tfjs-step-"));
  process.on("exit", () => rmSync(outdir, { recursive: true, force: true }));
  const { build } = await import("esbuild");
  const { workspaceBundleOptions } = await import("../apps/cli/bin/bundle.mjs");
  await build(
    workspaceBundleOptions({ entryPoints: { "tfjs-step": join(here, "peers", "tfjs-step.ts") }, outdir }),
  );
  return join(outdir, "tfjs-step.mjs");
}
// Read before the bundle's build, whose burst of CPU would count as load otherwise.
const loadBefore = loadAverage();
const oursEntry =
  options.oursRunner === "bundle"
    ? [await bundledStep()]
    : ["--import", "tsx", join(here, "peers", "tfjs-step.ts")];
const oursCommand = (...args: string[]) => [process.execPath, ...oursEntry, ...args];
const peerCommand = (...args: string[]) => [
  python ?? "python3",
  join(here, "peers", "torch_step.py"),
  ...args,
];

function run(command: string[], env: NodeJS.ProcessEnv): string {
  return execFileSync(command[0]!, command.slice(1), {
    encoding: "utf8",
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
}

interface Agreement {
  tailsweep: [number, number];
  pytorch: [number, number];
  relativeDifference: [number, number];
  agrees: boolean;
}

/** Steps 1 and 2 on both sides from tailsweep's weights and batch, noise off: the same function, or no ratio. */
function checkAgreement(name: string): Agreement {
  const dir = mkdtempSync(join(tmpdir(), "bench-agree-"));
  try {
    const ours = lastJsonLine(CheckResult, run(oursCommand("check", name, dir, "1"), oursEnv(1)));
    const peer = lastJsonLine(CheckResult, run(peerCommand("check", name, dir, "1"), peerEnv(1)));
    const rel = (i: 0 | 1) => Math.abs(ours.loss[i] - peer.loss[i]) / Math.abs(peer.loss[i]);
    const relativeDifference: [number, number] = [rel(0), rel(1)];
    // float32 on both sides, sums in different orders: step 1 is the forward pass alone; step 2 adds the gradients
    // and one Adam update, whose first step is ≈ ±lr per weight and so amplifies a gradient's sign near 0.
    return {
      tailsweep: ours.loss,
      pytorch: peer.loss,
      relativeDifference,
      agrees: relativeDifference[0] <= 1e-5 && relativeDifference[1] <= 1e-4,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const spread = (s: Summary) => s.iqr / s.median;

const gflop: Record<string, number> = {
  reference: stepGflop(REFERENCE.layers),
  proposed: stepGflop(proposedLayers(PROPOSED)),
};

const log = (line: string) => {
  if (!values.json) console.log(line);
};
log(
  `tailsweep vs PyTorch, one training step: ${options.runs} interleaved runs per side, each the median of ${steps} steps after ${warmup} warm-up (and of warm-up steps 2–${Math.min(warmup, 21)}, "first steps"); ${cpus().length} CPUs, 1-min load ${loadBefore.toFixed(2)}`,
);
if (peerProblems.length > 0)
  log(`peer not configured (${peerProblems.join("; ")}): ${setupHint}; no ratio is given`);

const agreements: Record<string, Agreement | null> = {};
const report: Record<string, unknown>[] = [];
for (const name of options.cases) {
  agreements[name] = python ? checkAgreement(name) : null;
  const a = agreements[name];
  if (a)
    log(
      `${name}: step-1/2 losses tailsweep ${a.tailsweep.map((x) => x.toFixed(4)).join(", ")} · PyTorch ${a.pytorch.map((x) => x.toFixed(4)).join(", ")} (relative difference ${a.relativeDifference.map((x) => x.toExponential(1)).join(", ")}): ${a.agrees ? "agree" : "DISAGREE"}`,
    );
  for (const threads of options.threads) {
    const args = [name, String(warmup), String(steps), String(threads)];
    const ours: SideResult[] = [];
    const peer: SideResult[] = [];
    const started = cpuReading();
    for (let round = 0; round < options.runs; round++) {
      const sides = [
        () => ours.push(lastJsonLine(SideResult, run(oursCommand(...args), oursEnv(threads)))),
        ...(python
          ? [() => peer.push(lastJsonLine(SideResult, run(peerCommand(...args), peerEnv(threads))))]
          : []),
      ];
      for (const side of round % 2 === 0 ? sides : [...sides].reverse()) side();
    }
    const foreign = foreignCpuShare(started);
    const oursMs = summarise(ours.map((r) => r.msPerStep));
    const peerMs = peer.length > 0 ? summarise(peer.map((r) => r.msPerStep)) : undefined;
    const earlyOf = (side: SideResult[]) => {
      const values = side.flatMap((r) => (r.earlyMsPerStep === null ? [] : [r.earlyMsPerStep]));
      return values.length > 0 ? summarise(values) : null;
    };
    const oursEarly = earlyOf(ours);
    const peerEarly = earlyOf(peer);
    const withheld = [
      ...peerProblems,
      ...(a && !a.agrees ? ["the two sides compute different losses"] : []),
      ...(loadBefore > options.maxLoad
        ? [`1-min load before the bench ${loadBefore.toFixed(2)} > ${options.maxLoad}`]
        : []),
      ...(foreign > options.maxForeign
        ? [
            `other processes took ${(100 * foreign).toFixed(0)} % of the CPU time (> ${100 * options.maxForeign} %)`,
          ]
        : []),
      ...[
        ["tailsweep", oursMs],
        ["PyTorch", peerMs],
      ].flatMap(([side, s]) =>
        typeof s === "object" && spread(s) > options.maxSpread
          ? [`${side}'s runs' interquartile range is ${(100 * spread(s)).toFixed(0)} % of their median`]
          : [],
      ),
    ];
    const ratios = peer.map((p, i) => ours[i]!.msPerStep / p.msPerStep);
    const oursRss = summarise(ours.map((r) => r.peakRssMb)).median;
    const peerRss = peer.length > 0 ? summarise(peer.map((r) => r.peakRssMb)).median : undefined;
    const row = {
      case: name,
      threads,
      gflopPerStep: gflop[name],
      tailsweep: {
        msPerStep: oursMs,
        earlyMsPerStep: oursEarly,
        gflops: gflop[name]! / (oursMs.median / 1000),
        peakRssMb: oursRss,
        backend: ours[0]!.backend,
        settings: {
          runner: options.oursRunner === "bundle" ? "esbuild bundle (as the CLI)" : "tsx",
          ...ours[0]!.settings,
        },
        loss: ours[0]!.loss,
      },
      pytorch: peerMs
        ? {
            msPerStep: peerMs,
            earlyMsPerStep: peerEarly,
            gflops: gflop[name]! / (peerMs.median / 1000),
            peakRssMb: peerRss ?? 0,
            backend: peer[0]!.backend,
            settings: peer[0]!.settings,
            loss: peer[0]!.loss,
          }
        : null,
      ratio:
        peerMs && peerRss && withheld.length === 0
          ? {
              time: oursMs.median / peerMs.median,
              perRound: summarise(ratios),
              peakRss: oursRss / peerRss,
              earlyTime: oursEarly && peerEarly ? oursEarly.median / peerEarly.median : null,
            }
          : null,
      withheld,
      foreignCpuShare: foreign,
    };
    report.push(row);
    const fmt = (s: Summary) => `${s.median.toFixed(1)} ms [${s.min.toFixed(1)}–${s.max.toFixed(1)}]`;
    log(`\n${name}, ${threads} thread${threads === 1 ? "" : "s"}:`);
    log(
      `  tailsweep ${fmt(oursMs)}  ${row.tailsweep.gflops.toFixed(1)} GFLOP/s  peak RSS ${row.tailsweep.peakRssMb.toFixed(0)} MB  ${row.tailsweep.backend}`,
    );
    if (row.pytorch && peerMs)
      log(
        `  PyTorch   ${fmt(peerMs)}  ${row.pytorch.gflops.toFixed(1)} GFLOP/s  peak RSS ${row.pytorch.peakRssMb.toFixed(0)} MB  ${row.pytorch.backend}`,
      );
    if (oursEarly)
      log(
        `  first steps (2–${Math.min(warmup, 21)}): tailsweep ${fmt(oursEarly)}${peerEarly ? `, PyTorch ${fmt(peerEarly)}` : ""}`,
      );
    log(`  other processes: ${(100 * foreign).toFixed(1)} % of the machine's CPU time while this case ran`);
    log(`  settings tailsweep: ${JSON.stringify(row.tailsweep.settings)}`);
    if (row.pytorch) log(`  settings PyTorch:   ${JSON.stringify(row.pytorch.settings)}`);
    if (row.ratio)
      log(
        `  ratio tailsweep/PyTorch: time ${row.ratio.time.toFixed(2)} (per round ${row.ratio.perRound.min.toFixed(2)}–${row.ratio.perRound.max.toFixed(2)}), peak RSS ${row.ratio.peakRss.toFixed(2)}${row.ratio.earlyTime === null ? "" : `; first steps ${row.ratio.earlyTime.toFixed(2)}`}`,
      );
    else if (peerMs) log(`  ratio withheld: ${withheld.join("; ")}`);
  }
}
if (values.json)
  console.log(
    JSON.stringify({
      warmup,
      steps,
      runs: options.runs,
      cpus: cpus().length,
      loadBefore,
      agreements,
      results: report,
    }),
  );
