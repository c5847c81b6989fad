// Sweep export: the peak memory that writing a large sweep's export to a file takes, the old way (the whole file as
// one string — toCsv / JSON.stringify — then writeFile) against the stream exportSweep gives (piped to a write
// stream), for CSV and JSON. Each side runs in a fresh child process on its own copy of one generated sweep in the
// in-memory run store (n trials, each with a 10-class result), so that its baseline is clean: after the store is
// built and a GC, process.memoryUsage() is sampled every 5 ms while the export runs (and once right after the
// records are loaded, and after the old way's string is made); what is printed is the growth over the baseline of
// heap + external memory (V8's heap, and the Buffers writeFile and the write stream hold) and of the resident set.
// Both sides load the same records first (loadSweepRuns: the store has no paging); the difference is the text.
// Rounds alternate which side runs first; the median and range over rounds, and /proc/loadavg before and after.
// Usage: node --import tsx bench/export-memory.ts [--trials 20000] [--rounds 3] [--formats csv,json] [--json]
import { execFileSync } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import {
  EXPORT_FORMATS,
  type ExportFormat,
  exportSweep,
  loadSweepRuns,
  toCsv,
  trialRows,
} from "@tailsweep/analysis";
import { parseSweepFile } from "@tailsweep/schemas";
import { expandSweep, InMemoryRunStore, type TrialResult } from "@tailsweep/sweep";
import { z } from "zod";

const SideSchema = z.enum(["whole-string", "streamed"]);
type Side = z.infer<typeof SideSchema>;
const SIDES: readonly Side[] = SideSchema.options;
const FormatSchema = z.enum(EXPORT_FORMATS);

interface Measurement {
  side: Side;
  format: ExportFormat;
  seconds: number;
  /** Heap + external growth once the records are loaded (and, streamed, the CSV rows built): the floor. */
  loaded: number;
  /** Largest heap + external growth sampled while the export ran. */
  peak: number;
  /** Largest resident-set growth sampled while the export ran. */
  rssPeak: number;
  /** The file's size, bytes. */
  bytes: number;
}

const MiB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
const SWEEP_ID = "bench-export-0123456789abcdef";
const SEEDS = 100;

/** A 10-class result like the study's (per-class recall and precision, a 10 × 10 confusion matrix). */
function resultOf(i: number): TrialResult {
  const v = 0.5 + ((i * 7919) % 1000) / 4000;
  const perClass = Array.from({ length: 10 }, (_, c) => Math.max(0, v - c * 0.03));
  return {
    metrics: {
      test: {
        n: 1000,
        accuracy: v,
        balancedAccuracy: v - 0.01,
        macroF1: v - 0.02,
        gMean: v - 0.03,
        perClassRecall: perClass,
        perClassPrecision: perClass.map((p) => p * 0.98),
        confusion: Array.from({ length: 10 }, (_, r) =>
          Array.from({ length: 10 }, (_, c) => (r === c ? 80 + ((i + r) % 20) : (i + r + c) % 3)),
        ),
      },
      minorityRecall: perClass[9]!,
      minorityClasses: [8, 9],
      perModality: [],
    },
    backend: "cpu",
    seconds: 10 + (i % 50) / 7,
  };
}

/** A finished sweep of `trials` trials (trials / 100 configurations × 100 seeds): every 50th failed, awkwardly. */
async function buildStore(trials: number): Promise<InMemoryRunStore> {
  const configs = trials / SEEDS;
  const spec = parseSweepFile({
    name: "export-bench",
    project: "bench",
    search: { nu: Array.from({ length: configs }, (_, i) => 2.5 + i * 0.25) },
    seeds: SEEDS,
    execution: { maxAttempts: 1 },
  });
  const store = new InMemoryRunStore();
  const t0 = new Date("2026-01-01T00:00:00Z");
  await store.createSweep({ id: SWEEP_ID, spec, trials: expandSweep(spec), now: t0 });
  for (const [i, t] of (await store.listTrials(SWEEP_ID)).entries()) {
    const claimed = await store.claimTrial(t.id, `worker-${i % 8}`, t0, "cpu");
    if (i % 50 === 49)
      await store.failTrial(
        t.id,
        claimed!.attempt,
        `diverged: loss "NaN",\nepoch ${i % 7} — γ too low`,
        false,
        t0,
      );
    else await store.completeTrial(t.id, claimed!.attempt, resultOf(i), t0);
  }
  return store;
}

async function child(side: Side, format: ExportFormat, trials: number, out: string): Promise<void> {
  const store = await buildStore(trials);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run the child with --expose-gc");
  gc();
  gc();
  const used = () => {
    const m = process.memoryUsage();
    return { heap: m.heapUsed + m.external, rss: m.rss };
  };
  const before = used();
  let peak = before.heap;
  let rssPeak = before.rss;
  const sample = () => {
    const now = used();
    peak = Math.max(peak, now.heap);
    rssPeak = Math.max(rssPeak, now.rss);
    return now.heap;
  };
  const sampler = setInterval(sample, 5);
  const start = performance.now();
  let loaded: number;
  if (side === "whole-string") {
    // exportSweep as it was: the whole text, then writeFile.
    const { sweep, trials: records, results } = await loadSweepRuns(store, SWEEP_ID);
    loaded = sample();
    const text =
      format === "json"
        ? `${JSON.stringify({ sweep, trials: records.map((t) => ({ ...t, result: results.get(t.id) ?? null })) }, null, 2)}\n`
        : toCsv(trialRows(records, results));
    sample();
    await writeFile(out, text);
  } else {
    const file = await exportSweep(store, SWEEP_ID, format);
    loaded = sample();
    await pipeline(file.body, createWriteStream(out));
  }
  sample();
  clearInterval(sampler);
  const measurement: Measurement = {
    side,
    format,
    seconds: (performance.now() - start) / 1000,
    loaded: loaded - before.heap,
    peak: peak - before.heap,
    rssPeak: rssPeak - before.rss,
    bytes: (await stat(out)).size,
  };
  process.stdout.write(`${JSON.stringify(measurement)}\n`);
}

const loadavg = () => readFileSync("/proc/loadavg", "utf8").trim().split(" ").slice(0, 3).join(" ");
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const summary = (xs: number[], show: (x: number) => string) =>
  `${show(median(xs))} (${show(Math.min(...xs))}–${show(Math.max(...xs))})`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      trials: { type: "string", default: "20000" },
      rounds: { type: "string", default: "3" },
      formats: { type: "string", default: "csv,json" },
      json: { type: "boolean", default: false },
      child: { type: "string" },
      format: { type: "string" },
      out: { type: "string" },
    },
  });
  const trials = Number(values.trials);
  if (!Number.isInteger(trials / SEEDS) || trials <= 0)
    throw new Error(`--trials: a positive multiple of ${SEEDS}, got ${values.trials}`);
  if (values.child) {
    if (!values.out) throw new Error("--out: required with --child");
    return child(SideSchema.parse(values.child), FormatSchema.parse(values.format), trials, values.out);
  }

  const rounds = Number(values.rounds);
  const formats = z.array(FormatSchema).parse(values.formats.split(","));
  const dir = await mkdtemp(join(tmpdir(), "tailsweep-export-bench-"));
  const loadBefore = loadavg();
  const all: Measurement[] = [];
  try {
    for (let round = 0; round < rounds; round++)
      for (const format of formats) {
        // Interleaved: each round swaps which side runs first.
        const order = round % 2 === 0 ? SIDES : [...SIDES].reverse();
        const files: Record<string, Buffer> = {};
        for (const side of order) {
          const out = join(dir, `${side}.${format}`);
          const args = [
            ...process.execArgv,
            "--expose-gc",
            process.argv[1]!,
            `--child=${side}`,
            `--format=${format}`,
            `--trials=${trials}`,
            `--out=${out}`,
          ];
          const printed = execFileSync(process.execPath, args, { encoding: "utf8", maxBuffer: 16 * MiB });
          all.push(JSON.parse(printed.trim().split("\n").at(-1)!) as Measurement);
          files[side] = readFileSync(out);
        }
        // Not a benchmark of a wrong file: both sides wrote the same bytes.
        if (!files["whole-string"]!.equals(files.streamed!))
          throw new Error(`${format}: the streamed file differs from the whole string's`);
      }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const loadAfter = loadavg();
  if (values.json) {
    console.log(JSON.stringify({ trials, rounds, loadBefore, loadAfter, measurements: all }));
    return;
  }
  console.log(`sweep: ${trials} trials (10-class results), ${rounds} rounds; /proc/loadavg ${loadBefore}`);
  for (const format of formats) {
    const of = (side: Side) => all.filter((m) => m.format === format && m.side === side);
    console.log(`${format}: file ${mib(of("streamed")[0]!.bytes)}`);
    for (const side of SIDES)
      console.log(
        `  ${side.padEnd(12)} heap+external peak +${summary(
          of(side).map((m) => m.peak),
          mib,
        )}, of which records loaded +${summary(
          of(side).map((m) => m.loaded),
          mib,
        )}; RSS peak +${summary(
          of(side).map((m) => m.rssPeak),
          mib,
        )}; ${summary(
          of(side).map((m) => m.seconds),
          (s) => `${s.toFixed(2)} s`,
        )}`,
      );
    const ratios = of("streamed").map((m, i) => m.peak / of("whole-string")[i]!.peak);
    const rssRatios = of("streamed").map((m, i) => m.rssPeak / Math.max(1, of("whole-string")[i]!.rssPeak));
    const beyond = (side: Side) => of(side).map((m) => m.peak - m.loaded);
    console.log(
      `  ratio streamed / whole string: heap+external peak ${summary(ratios, (r) => r.toFixed(2))}, ` +
        `RSS peak ${summary(rssRatios, (r) => r.toFixed(2))}; beyond the loaded records: streamed +${summary(
          beyond("streamed"),
          mib,
        )}, whole string +${summary(beyond("whole-string"), mib)}`,
    );
  }
  console.log(`/proc/loadavg after: ${loadAfter}`);
}

await main();
