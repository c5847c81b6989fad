// Training checkpoints and artifacts (issue #21): what they weigh, what saving one every epoch costs, and what a
// resume saves, at the `quick` and `paper` presets' model and data sizes on wasm-blas (else wasm).
//  1. Sizes: a checkpoint's bytes raw (encodeCheckpoint), as the worker stores it (storeCheckpoint: gzip's framing at
//     CHECKPOINT_GZIP_LEVEL, 0 = uncompressed) and at gzip level 1 for comparison, and what it is made of; the final
//     artifacts' files raw and as stored (storeArtifacts); the parameter count. With the time to encode, compress, put to a FileArtifactStore and to the NATS object store, and to read
//     one back (get, gunzip, decode: what a resume waits for); median of 3 (once with --quick).
//  2. Overhead of a checkpoint every epoch: runs with no checkpoints (A), checkpoints to a FileArtifactStore in a
//     temp folder (B) and to the NATS object store (C), same seed, interleaved A, B, C, A, B, C … over the rounds.
//     An epoch's time is from the previous epoch's last step to its own last step, so it holds the previous
//     epoch's checkpoint read (weights + Adam state, which blocks training) and that checkpoint's upload, which
//     runs behind it; the first epoch (warm-up) and the final evaluation (on a few test rows) are left out. The
//     synchronous part (from the end of an epoch to `save` being called: the read, plus the wait for the previous
//     upload where that had not ended yet, counted apart) and the upload (`save`'s promise: encode, which also
//     blocks training, gzip, put) are timed apart. Epochs are capped at a few steps so that one takes seconds: the
//     checkpoint's size and save cost do not depend on the steps, the ratio does (so a full epoch's share is
//     printed too, from the per-step time).
//  3. Resume: the quick preset's epochs uninterrupted (what a from-scratch retry costs) against an attempt that
//     crashes in epoch k + 1, after checkpoint k was saved, and a retry that resumes from it; each attempt as the
//     worker makes one (loadCheckpoint from the file store, runIdentity, a checkpoint every epoch); the resumed
//     result checked bit-identical to the uninterrupted one (metrics, per-epoch losses, final weights, test-set
//     probabilities).
// /proc/loadavg is read before any timing: above 1.5 (1 min) on the 2-core machine the ratios are withheld.
// Usage: node --import tsx bench/checkpoint.ts [--quick] [--rounds 5]
//   --quick: the overhead at the quick preset only, fewer steps per epoch, timings in section 1 once (under
//   2 min); default about 6 min.
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import { type ArtifactStore, FileArtifactStore, NatsArtifactStore, NatsBus } from "@tailsweep/bus";
import { loadDataset } from "@tailsweep/data";
import {
  decodeCheckpoint,
  encodeCheckpoint,
  type TrainHooks,
  type TrainingCheckpoint,
  type TrainResult,
  trainModel,
} from "@tailsweep/model";
import { type BackendInfo, initBackend } from "@tailsweep/model/backend";
import {
  type MultimodalDataset,
  type RunConfig,
  resolveRunConfig,
  trialArtifactKey,
  trialCheckpointKey,
} from "@tailsweep/schemas";
import { PRESETS, type PresetName } from "../apps/cli/src/presets";
import {
  artifactContents,
  CHECKPOINT_GZIP_LEVEL,
  loadCheckpoint,
  runIdentity,
  storeArtifacts,
  storeCheckpoint,
} from "../apps/worker/src/trial-files";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    rounds: { type: "string", default: "5" },
  },
});
const QUICK = values.quick;
const ROUNDS = Number(values.rounds);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1)
  throw new Error(`--rounds: a positive integer, got ${values.rounds}`);
/** Steps per epoch in the overhead runs (section 2), by preset; presets left out get no overhead runs. */
const OVERHEAD_STEPS: Partial<Record<PresetName, number>> = QUICK ? { quick: 10 } : { quick: 16, paper: 4 };
/** Test rows kept for the overhead runs' final evaluation, which is not timed. */
const OVERHEAD_TEST_ROWS = 200;
/** Epochs of an overhead run: the first is warm-up, the others are timed. */
const OVERHEAD_EPOCHS = 3;
/** Steps per epoch in the resume runs (section 3, quick preset). */
const RESUME_STEPS = QUICK ? 8 : 16;
/** The epoch after which the interrupted attempt crashes (in the next epoch's first step). */
const CRASH_AFTER = 3;
const MAX_LOAD = 1.5;
const NATS_SERVERS = process.env.NATS_URL ?? "nats://127.0.0.1:4222";

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
const MB = 1e6;
const mb = (bytes: number) => `${(bytes / MB).toFixed(2)} MB`;
const ms = (x: number) => `${x.toFixed(x < 10 ? 1 : 0)} ms`;
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const summary = (xs: readonly number[], show: (x: number) => string = ms) =>
  xs.length === 0 ? "—" : `${show(median(xs))} (${show(Math.min(...xs))}–${show(Math.max(...xs))})`;
const loadavg = () => readFileSync("/proc/loadavg", "utf8").trim().split(" ").slice(0, 3).map(Number);
const elapsed = (since: number) => performance.now() - since;

async function timeIt<T>(f: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await f();
  return { value, ms: elapsed(t0) };
}

/** Repeats of each save and read timing in section 1. */
const REPEATS = QUICK ? 1 : 3;

async function medianOfRepeats(f: () => Promise<unknown> | unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) times.push((await timeIt(f)).ms);
  return median(times);
}

const started = performance.now();
const [load1, load5, load15] = loadavg();
const loaded = load1! > MAX_LOAD;
console.log(`loadavg before timing: ${load1} ${load5} ${load15} (1/5/15 min)`);
if (loaded)
  console.log(
    `WARNING: 1-min load ${load1} > ${MAX_LOAD} on this 2-core machine: times are printed, ratios withheld (sizes stand)`,
  );

let backend: BackendInfo;
try {
  backend = await initBackend({ prefer: "wasm-blas" });
} catch (e) {
  console.log(`wasm-blas unavailable (${(e as Error).message}); using wasm`);
  backend = await initBackend({ prefer: "wasm" });
}
const backendHook = { name: backend.name, detail: backend.detail };
console.log(`backend: ${backend.name} — ${backend.detail}`);

const dir = await mkdtemp(join(tmpdir(), "tailsweep-checkpoint-bench-"));
const fileStore = new FileArtifactStore(dir);
const natsStore = await NatsArtifactStore.connect({
  servers: NATS_SERVERS,
  prefix: `bench-ckpt-${process.pid}`,
  name: "tailsweep-checkpoint-bench",
});
let trialCount = 0;
/** Checkpoint saves that failed (training goes on past them): the bench stops at the end of the run. */
const saveErrors: unknown[] = [];
/** A fresh trial id (`<sweep>:<key>`), so every run's objects have keys of their own. */
const trialId = (label: string) => `bench-ckpt-${process.pid}:${label}-${++trialCount}`;

interface Preset {
  name: PresetName;
  config: RunConfig;
  dataset: MultimodalDataset;
  /** Optimiser steps of a full epoch (a pass over the unlabeled rows). */
  fullSteps: number;
}

async function preset(name: PresetName): Promise<Preset> {
  const config = resolveRunConfig(PRESETS[name]);
  const dataset = await loadDataset(config.dataset);
  const Bu = Math.min(config.train.unlabeledBatchSize, Math.max(dataset.unlabeled.n, 1));
  const fullSteps =
    dataset.unlabeled.n > 0
      ? Math.ceil(dataset.unlabeled.n / Bu)
      : Math.ceil(dataset.labeled.n / config.train.labeledBatchSize);
  return { name, config, dataset, fullSteps };
}

function train(p: Preset, epochs: number, maxStepsPerEpoch: number, hooks: TrainHooks): Promise<TrainResult> {
  return trainModel(
    p.dataset,
    p.config.model,
    { ...p.config.train, epochs, maxStepsPerEpoch, evalEvery: 0 },
    { backend: backendHook, ...hooks },
  );
}

// ---- 1. sizes -------------------------------------------------------------------------------------------------

async function sizes(p: Preset): Promise<void> {
  let checkpoint: TrainingCheckpoint | undefined;
  const result = await train(p, 2, 2, {
    checkpoints: {
      everyEpochs: 1,
      save: async (c) => {
        checkpoint = c;
      },
    },
    artifacts: true,
  });
  if (!checkpoint) throw new Error("no checkpoint was saved");
  const c = checkpoint;
  const raw = encodeCheckpoint(c);
  const stored = await gzipAsync(raw, { level: CHECKPOINT_GZIP_LEVEL });
  const deflated = await gzipAsync(raw, { level: 1 });
  const weightBytes = c.weights.reduce((s, w) => s + w.values.byteLength, 0);
  const adamBytes = c.adam.reduce((s, a) => s + (a ? a.m.byteLength + a.v.byteLength : 0), 0);
  const cursorBytes = c.labeledCursor.order.byteLength;
  const { dataset: d } = p;
  console.log(
    `\n[${p.name}] ${d.labeled.n} labeled, ${d.unlabeled.n} unlabeled, ${d.test.n} test rows; model ` +
      `enc ${JSON.stringify(p.config.model.encoderWidths)} dec ${JSON.stringify(p.config.model.decoderWidths)} ` +
      `cls ${JSON.stringify(p.config.model.classifierWidths)} latent ${p.config.model.latentDim}; ` +
      `${result.parameterCount.toLocaleString("en")} parameters`,
  );
  console.log(
    `  checkpoint: ${mb(raw.length)} raw = weights ${mb(weightBytes)} + Adam m, v ${mb(adamBytes)} + row cursor ` +
      `${mb(cursorBytes)} + header ${(raw.length - weightBytes - adamBytes - cursorBytes).toLocaleString("en")} B; ` +
      `stored (gzip ${CHECKPOINT_GZIP_LEVEL}) ${mb(stored.length)}; gzip 1 would give ${mb(deflated.length)}, ` +
      `${(raw.length / deflated.length).toFixed(3)}:1`,
  );
  const key = trialCheckpointKey(trialId(`${p.name}-sizes`));
  const encodeMs = await medianOfRepeats(() => encodeCheckpoint(c));
  const gzipMs = await medianOfRepeats(() => gzipAsync(raw, { level: CHECKPOINT_GZIP_LEVEL }));
  const deflateMs = await medianOfRepeats(() => gzipAsync(raw, { level: 1 }));
  const filePutMs = await medianOfRepeats(() => fileStore.put(key, stored));
  const natsPutMs = await medianOfRepeats(() => natsStore.put(key, stored));
  const rate = (t: number) => `${((stored.length / MB / t) * 1000).toFixed(0)} MB/s`;
  const resumeRead = async (store: ArtifactStore) =>
    decodeCheckpoint(new Uint8Array(await gunzipAsync((await store.get(key))!)));
  const fileGetMs = await medianOfRepeats(() => resumeRead(fileStore));
  const natsGetMs = await medianOfRepeats(() => resumeRead(natsStore));
  console.log(
    `  save, ${REPEATS > 1 ? `median of ${REPEATS}` : "once"}: encode ${ms(encodeMs)} (on the training thread), gzip ${CHECKPOINT_GZIP_LEVEL} ${ms(gzipMs)} (thread pool; gzip 1 ${ms(deflateMs)}), ` +
      `put file ${ms(filePutMs)} (${rate(filePutMs)}, fsync'd), put NATS ${ms(natsPutMs)} (${rate(natsPutMs)})`,
  );
  const identityMs = await medianOfRepeats(() => runIdentity(d, backend.versions));
  console.log(
    `  read back for a resume (get + gunzip + decode): file ${ms(fileGetMs)}, NATS ${ms(natsGetMs)}; ` +
      `runIdentity (SHA-256 of the data, each attempt that checkpoints) ${ms(identityMs)}`,
  );
  const files = artifactContents(result, p.dataset, p.config);
  const artifactTrial = trialId(`${p.name}-artifacts`);
  const storeFileMs = (await timeIt(() => storeArtifacts(fileStore, artifactTrial, 1, files))).ms;
  const storeNatsMs = (await timeIt(() => storeArtifacts(natsStore, artifactTrial, 1, files))).ms;
  let rawTotal = 0;
  let storedTotal = 0;
  console.log(
    "  artifacts (final weights, test-set probabilities): raw → stored (storeArtifacts: gzip, the weights at level 0)",
  );
  for (const { name, data } of files) {
    const z = (await fileStore.get(trialArtifactKey(artifactTrial, 1, name)))!.length;
    rawTotal += data.length;
    storedTotal += z;
    console.log(
      `    ${name.padEnd(16)} ${mb(data.length).padStart(10)} → ${mb(z).padStart(10)}  ${(data.length / z).toFixed(2)}:1`,
    );
  }
  console.log(
    `    ${"all".padEnd(16)} ${mb(rawTotal).padStart(10)} → ${mb(storedTotal).padStart(10)}  ` +
      `${(rawTotal / storedTotal).toFixed(2)}:1; storeArtifacts (gzip + put) once: file ${ms(storeFileMs)}, ` +
      `NATS ${ms(storeNatsMs)}`,
  );
}

// ---- 2. overhead ----------------------------------------------------------------------------------------------

type Variant = "none" | "file" | "nats";
const VARIANTS: readonly Variant[] = ["none", "file", "nats"];
const VARIANT_LABEL: Record<Variant, string> = {
  none: "A no checkpoints",
  file: "B file store",
  nats: "C NATS object store",
};

interface OverheadRun {
  /** Epochs 2…E, each from the previous epoch's last step to its own last step (ms). */
  epochs: number[];
  /** Those of `epochs` whose checkpoint (the previous epoch's) did not wait for the upload before it (ms). */
  unwaited: number[];
  /**
   * Per checkpoint whose predecessor's upload had ended with its epoch: from the end of the epoch (onEpoch) to
   * `save` being called, i.e. reading the weights and Adam's state (ms).
   */
  read: number[];
  /** The same for checkpoints that also waited for the previous upload to end (ms). */
  waited: number[];
  /** Per checkpoint: `save`'s promise (encode, gzip, put), behind the next epoch (ms). */
  upload: number[];
  losses: number[];
}

/** The preset's data with only its first `rows` test rows: the final evaluation is not timed, only waited for. */
function fewTestRows(d: MultimodalDataset, rows: number): MultimodalDataset {
  const n = Math.min(rows, d.test.n);
  const y = d.test.y.slice(0, n);
  const counts = d.classNames.map((_, c) => y.filter((v) => v === c).length);
  return {
    ...d,
    test: { n, x: d.test.x.map((x, k) => x.slice(0, n * d.modalities[k]!.dim)), y },
    counts: { ...d.counts, test: counts },
  };
}

async function overheadRun(p: Preset, steps: number, variant: Variant): Promise<OverheadRun> {
  const run: OverheadRun = { epochs: [], unwaited: [], read: [], waited: [], upload: [], losses: [] };
  const waitedAfter: boolean[] = [];
  const lastStep: number[] = [];
  let epochEnd = 0;
  let uploading = false;
  let uploadingAtEpochEnd = false;
  const store = variant === "file" ? fileStore : variant === "nats" ? natsStore : undefined;
  const id = trialId(`${p.name}-${variant}`);
  const result = await train(p, OVERHEAD_EPOCHS, steps, {
    onStep: (s) => {
      if (s.step === s.stepsPerEpoch) lastStep[s.epoch] = performance.now();
    },
    onEpoch: () => {
      epochEnd = performance.now();
      uploadingAtEpochEnd = uploading;
    },
    ...(store && {
      checkpoints: {
        everyEpochs: 1,
        save: async (c) => {
          const t0 = performance.now();
          (uploadingAtEpochEnd ? run.waited : run.read).push(t0 - epochEnd);
          waitedAfter[c.epoch] = uploadingAtEpochEnd;
          uploading = true;
          await storeCheckpoint(store, id, c);
          uploading = false;
          run.upload.push(elapsed(t0));
        },
        onError: (e) => saveErrors.push(e),
      },
    }),
  });
  if (saveErrors.length > 0) throw saveErrors[0];
  for (let e = 2; e <= OVERHEAD_EPOCHS; e++) {
    const t = lastStep[e]! - lastStep[e - 1]!;
    run.epochs.push(t);
    if (!waitedAfter[e - 1]) run.unwaited.push(t);
  }
  run.losses = result.history.map((r) => r.loss.total);
  if (store) await store.deletePrefix(`sweeps/bench-ckpt-${process.pid}/`);
  return run;
}

async function overhead(full: Preset, steps: number): Promise<void> {
  const p = { ...full, dataset: fewTestRows(full.dataset, OVERHEAD_TEST_ROWS) };
  const runs: Record<Variant, OverheadRun[]> = { none: [], file: [], nats: [] };
  for (let round = 0; round < ROUNDS; round++)
    for (const v of VARIANTS) runs[v].push(await overheadRun(p, steps, v));
  const all = (v: Variant, k: Exclude<keyof OverheadRun, "losses">) => runs[v].flatMap((r) => r[k]);
  const base = median(all("none", "epochs"));
  const perStep = base / steps;
  const fullEpoch = perStep * p.fullSteps;
  console.log(
    `\n[${p.name}] overhead of a checkpoint every epoch: ${ROUNDS} interleaved rounds × ${OVERHEAD_EPOCHS - 1} timed ` +
      `epochs, epochs capped at ${steps} of ${p.fullSteps} steps (the checkpoint's size and save cost do not depend ` +
      `on the steps; the ratio does), the final evaluation on ${OVERHEAD_TEST_ROWS} test rows (not timed)`,
  );
  const same = VARIANTS.every((v) => runs[v].every((r) => r.losses.join() === runs.none[0]!.losses.join()));
  console.log(`  same losses in every run (same seed): ${same ? "yes" : "NO"}`);
  for (const v of VARIANTS) {
    const epochs = all(v, "epochs");
    let line = `  ${VARIANT_LABEL[v].padEnd(22)} epoch ${summary(epochs)}`;
    if (v !== "none") {
      const waited = all(v, "waited");
      line +=
        `\n  ${"".padEnd(22)} sync: read weights + Adam ${summary(all(v, "read"))}` +
        (waited.length > 0
          ? `; ${waited.length} of ${waited.length + all(v, "read").length} also waited for the previous upload: ${summary(waited)}`
          : "") +
        `\n  ${"".padEnd(22)} upload (encode + gzip ${CHECKPOINT_GZIP_LEVEL} + put, behind the next epoch) ${summary(all(v, "upload"))}`;
      const unwaited = all(v, "unwaited");
      const waitedEpochs = epochs.length - unwaited.length;
      if (waitedEpochs > 0)
        line +=
          `\n  ${"".padEnd(22)} ${waitedEpochs} of ${epochs.length} epochs waited for an upload (they outlast these ` +
          `capped epochs, not a full one); the others: ${summary(unwaited)}`;
      if (!loaded) {
        const perRound = runs[v].map((r, i) => median(r.epochs) / median(runs.none[i]!.epochs));
        const extra = median(epochs) - base;
        line +=
          `\n  ${"".padEnd(22)} ratio to A ${(median(epochs) / base).toFixed(3)} (rounds ` +
          `${Math.min(...perRound).toFixed(3)}–${Math.max(...perRound).toFixed(3)}), +${ms(extra)} per capped epoch`;
        if (unwaited.length > 0) {
          const extraFull = median(unwaited) - base;
          line +=
            `; ${extraFull < 0 ? "−" : "+"}${ms(Math.abs(extraFull))} without a wait = ` +
            `${((100 * extraFull) / fullEpoch).toFixed(1).replace("-", "−")} % of a full ${p.fullSteps}-step epoch ` +
            `(≈ ${(fullEpoch / 1000).toFixed(1)} s from A's time per step)`;
        }
      }
    }
    console.log(line);
  }
}

// ---- 3. resume ------------------------------------------------------------------------------------------------

class Crash extends Error {}

async function resume(p: Preset): Promise<void> {
  const epochs = p.config.train.epochs;
  /**
   * One attempt as the worker's runner makes it: the trial's checkpoint looked up in the store (a first attempt finds
   * none), the run identity hashed, a checkpoint every epoch to the file store; `crash` throws in that epoch.
   */
  const attempt = async (id: string, crash?: number): Promise<TrainResult> => {
    const stored = await loadCheckpoint(fileStore, id, console.log);
    if (stored.state === "unknown") throw new Error(`the file store did not answer: ${stored.reason}`);
    return train(p, epochs, RESUME_STEPS, {
      runIdentity: runIdentity(p.dataset, backend.versions),
      ...(stored.state === "found" && { resumeFrom: stored.checkpoint }),
      checkpoints: {
        everyEpochs: 1,
        save: async (c) => void (await storeCheckpoint(fileStore, id, c)),
        onError: (e) => saveErrors.push(e),
      },
      ...(crash !== undefined && {
        onStep: (s) => {
          if (s.epoch === crash) throw new Crash(`crash in epoch ${s.epoch}`);
        },
      }),
      artifacts: true,
    });
  };
  const full = await timeIt(() => attempt(trialId("resume-full")));
  const id = trialId("resume-crash");
  const crashed = await timeIt(async () => {
    try {
      await attempt(id, CRASH_AFTER + 1);
    } catch (e) {
      if (!(e instanceof Crash)) throw e;
      return;
    }
    throw new Error("the attempt did not crash");
  });
  const resumed = await timeIt(() => attempt(id));
  if (saveErrors.length > 0) throw saveErrors[0];
  const a = full.value;
  const b = resumed.value;
  if (b.resumed?.fromEpoch !== CRASH_AFTER)
    throw new Error(`resumed from ${b.resumed?.fromEpoch ?? "nothing"} (${b.resumeRefused ?? ""})`);
  const bytes = (x: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  const checks = {
    metrics: JSON.stringify(a.metrics) === JSON.stringify(b.metrics),
    history:
      JSON.stringify(a.history.map(({ seconds: _, ...r }) => r)) ===
      JSON.stringify(b.history.map(({ seconds: _, ...r }) => r)),
    weights:
      a.artifacts!.weights.length === b.artifacts!.weights.length &&
      a.artifacts!.weights.every((w, i) => bytes(w.values).equals(bytes(b.artifacts!.weights[i]!.values))),
    probabilities: bytes(a.artifacts!.testProbabilities).equals(bytes(b.artifacts!.testProbabilities)),
  };
  console.log(
    `\n[${p.name}] resume: ${epochs} epochs of ${RESUME_STEPS} (of ${p.fullSteps}) steps, a checkpoint every epoch ` +
      `to the file store, each attempt as the worker's; the interrupted attempt crashes in epoch ${CRASH_AFTER + 1}, after checkpoint ${CRASH_AFTER}`,
  );
  console.log(`  uninterrupted = a from-scratch retry: ${(full.ms / 1000).toFixed(1)} s`);
  console.log(`  interrupted attempt, lost:           ${(crashed.ms / 1000).toFixed(1)} s`);
  console.log(
    `  resumed retry (load checkpoint + ${epochs - CRASH_AFTER} epochs + evaluation): ${(resumed.ms / 1000).toFixed(1)} s; ` +
      `the checkpoint says it saved ${b.resumed.savedSeconds.toFixed(1)} s`,
  );
  if (loaded) console.log("  ratio withheld (loaded machine)");
  else
    console.log(
      `  resumed / from scratch: ${(resumed.ms / full.ms).toFixed(3)} (epochs alone: ${((epochs - CRASH_AFTER) / epochs).toFixed(3)}; ` +
        `both pay the final evaluation)`,
    );
  const identical = Object.values(checks).every(Boolean);
  console.log(
    `  bit-identical: ${identical ? "yes" : "no"} (${Object.entries(checks)
      .map(([k, ok]) => `${k} ${ok ? "=" : "≠"}`)
      .join(", ")})`,
  );
}

// ---- run ------------------------------------------------------------------------------------------------------

try {
  const presets: Preset[] = [];
  for (const name of ["quick", "paper"] as const) presets.push(await preset(name));
  const section = (title: string) =>
    console.log(`\n== ${title} == (at ${(elapsed(started) / 1000).toFixed(0)} s)`);
  section("1. sizes (per trial)");
  for (const p of presets) await sizes(p);
  section("2. overhead per epoch");
  for (const p of presets) {
    const steps = OVERHEAD_STEPS[p.name];
    if (steps) await overhead(p, steps);
  }
  section("3. resume");
  await resume(presets[0]!);
} finally {
  await fileStore.deletePrefix("");
  await natsStore.deletePrefix("");
  await natsStore.close();
  // The bucket itself too (the store has no call for that): a bus of the same prefix deletes its streams.
  const cleanup = await NatsBus.connect({ servers: NATS_SERVERS, prefix: `bench-ckpt-${process.pid}` });
  await cleanup.deleteStreams();
  await cleanup.close();
  await rm(dir, { recursive: true, force: true });
}
const [after1, after5, after15] = loadavg();
console.log(
  `\nloadavg after: ${after1} ${after5} ${after15}; ${((performance.now() - started) / 1000).toFixed(0)} s in all`,
);
