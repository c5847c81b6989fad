/**
 * A training checkpoint: everything `trainModel` needs to go on after an epoch as if it had never stopped — the
 * weights, Adam's moments and β powers, the batch-order and sampling streams, the labeled-row cursor, the history
 * the training time spent so far, under `train.select: best` the best validated epoch with its weights, and under
 * `model.distributionAlignment` the running class averages of eq. DA. Resuming from one reaches bit-identical metrics
 * on the same backend (`checkpoint.test.ts`, `epoch-selection.test.ts`, `baselines.test.ts`).
 *
 * The encoding is ours, not tfjs's `io.encodeWeights`: that one takes tensors, and a checkpoint also carries
 * int32 arrays and JSON state that have no tensor; it would mean making tensors only to write their bytes. Layout:
 * the magic "TSCK", a little-endian u32 format version, a u32 header length, the header as UTF-8 JSON (parsed by
 * zod when read back), then the arrays' bytes, each 4-byte aligned, in the order the header lists them.
 */
import type { RandomStreamState } from "@tailsweep/random";
import { z } from "zod";
import type { AdamVariableState } from "./adam";
import type { AlignmentState } from "./alignment";
import type { EpochRecord } from "./train";

/** One named weight array, as tfjs's weights manifests describe one (name, shape, float32). */
export interface NamedWeights {
  /** The variable's name inside the model (`enc/0/W0`…), without the per-instance prefix. */
  name: string;
  shape: number[];
  values: Float32Array;
}

/** What a checkpoint holds; see the module comment. */
export interface TrainingCheckpoint {
  /** Epochs completed. */
  epoch: number;
  /** Optimiser steps taken. */
  steps: number;
  /** Training seconds spent to reach this epoch, over every attempt that contributed. */
  seconds: number;
  /**
   * What the checkpoint fits: the resolved configs, the data set's shape and the backend. A checkpoint whose
   * fingerprint differs from the run's is not resumed (the run starts over), so a change of backend never mixes
   * two backends' numbers in one trial.
   */
  fingerprint: string;
  history: EpochRecord[];
  streams: { batches: RandomStreamState; sampling: RandomStreamState };
  labeledCursor: { order: Int32Array; pos: number };
  weights: NamedWeights[];
  /** Adam's state per weight, in the same order; null where a weight was never updated. */
  adam: (AdamVariableState | null)[];
  /**
   * Under `train.select: best`, once an epoch was validated: the best one so far (its validation balanced accuracy)
   * and its weights, in the same order as `weights`.
   */
  best?: { epoch: number; value: number; weights: NamedWeights[] };
  /** Under `model.distributionAlignment`: the running averages p̂ of eq. DA (docs/model.md §10.2). */
  alignment?: AlignmentState;
}

const MAGIC = 0x4b435354; // "TSCK" read as a little-endian u32
/** 2 added the best epoch, 3 the distribution-alignment state; version-1 and -2 checkpoints (neither) still read. */
const FORMAT_VERSION = 3;
const READABLE_VERSIONS = [1, 2, 3];

const StreamStateSchema = z.object({
  generator: z.array(z.int()).length(4),
  spareNormal: z.number().nullable(),
});
const LossSchema = z.object({
  total: z.number(),
  labeled: z.number(),
  unlabeled: z.number(),
  classification: z.number(),
});
const EpochRecordSchema = z.object({
  epoch: z.int().positive(),
  loss: LossSchema,
  seconds: z.number().nonnegative(),
  test: z.object({ accuracy: z.number(), balancedAccuracy: z.number(), macroF1: z.number() }).optional(),
  validation: z
    .object({ accuracy: z.number(), balancedAccuracy: z.number(), macroF1: z.number() })
    .optional(),
});
/** An array in the payload: its element type and count; offsets follow from the order. */
const ArrayRefSchema = z.object({ dtype: z.enum(["float32", "int32"]), length: z.int().nonnegative() });
const HeaderSchema = z.object({
  epoch: z.int().positive(),
  steps: z.int().nonnegative(),
  seconds: z.number().nonnegative(),
  fingerprint: z.string(),
  history: z.array(EpochRecordSchema),
  streams: z.object({ batches: StreamStateSchema, sampling: StreamStateSchema }),
  cursorPos: z.int().nonnegative(),
  weights: z.array(z.object({ name: z.string(), shape: z.array(z.int().nonnegative()) })),
  adam: z.array(z.object({ beta1Power: z.number(), beta2Power: z.number() }).nullable()),
  /** The best epoch; its weights follow Adam's arrays, one per weight. */
  best: z.object({ epoch: z.int().positive(), value: z.number() }).optional(),
  /** The distribution-alignment state's shape and slot; its values are the last array. */
  alignment: z
    .object({
      subsets: z.int().positive(),
      classes: z.int().positive(),
      window: z.int().positive(),
      next: z.int().nonnegative(),
    })
    .optional(),
  /**
   * The arrays in payload order: the cursor's order, then per weight its values, then Adam's m and v per weight,
   * then the best epoch's values per weight, then the alignment state's values.
   */
  arrays: z.array(ArrayRefSchema),
});

/** The bytes of a checkpoint (see the module comment for the layout). */
export function encodeCheckpoint(checkpoint: TrainingCheckpoint): Uint8Array {
  const arrays: (Float32Array | Int32Array)[] = [
    checkpoint.labeledCursor.order,
    ...checkpoint.weights.map((w) => w.values),
    ...checkpoint.adam.flatMap((a) => (a ? [a.m, a.v] : [])),
    ...(checkpoint.best?.weights.map((w) => w.values) ?? []),
    ...(checkpoint.alignment ? [checkpoint.alignment.values] : []),
  ];
  const header: z.input<typeof HeaderSchema> = {
    epoch: checkpoint.epoch,
    steps: checkpoint.steps,
    seconds: checkpoint.seconds,
    fingerprint: checkpoint.fingerprint,
    history: checkpoint.history,
    streams: checkpoint.streams,
    cursorPos: checkpoint.labeledCursor.pos,
    weights: checkpoint.weights.map(({ name, shape }) => ({ name, shape })),
    adam: checkpoint.adam.map((a) => (a ? { beta1Power: a.beta1Power, beta2Power: a.beta2Power } : null)),
    ...(checkpoint.best && { best: { epoch: checkpoint.best.epoch, value: checkpoint.best.value } }),
    ...(checkpoint.alignment && {
      alignment: {
        subsets: checkpoint.alignment.subsets,
        classes: checkpoint.alignment.classes,
        window: checkpoint.alignment.window,
        next: checkpoint.alignment.next,
      },
    }),
    arrays: arrays.map((a) => ({ dtype: a instanceof Float32Array ? "float32" : "int32", length: a.length })),
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const payloadStart = align4(12 + headerBytes.length);
  const total = arrays.reduce((end, a) => end + a.byteLength, payloadStart);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, FORMAT_VERSION, true);
  view.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, 12);
  let offset = payloadStart;
  for (const a of arrays) {
    out.set(littleEndianBytes(a), offset);
    offset += a.byteLength;
  }
  return out;
}

/** Reads bytes written by {@link encodeCheckpoint}; throws, naming what is wrong, on anything else. */
export function decodeCheckpoint(bytes: Uint8Array): TrainingCheckpoint {
  if (bytes.length < 12) throw new Error(`not a tailsweep checkpoint: ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new Error("not a tailsweep checkpoint: wrong magic number");
  const version = view.getUint32(4, true);
  if (!READABLE_VERSIONS.includes(version)) {
    throw new Error(
      `checkpoint format ${version} is not readable here (this version reads ${READABLE_VERSIONS.join(" and ")})`,
    );
  }
  const headerLength = view.getUint32(8, true);
  if (12 + headerLength > bytes.length) throw new Error("checkpoint is truncated inside its header");
  const header = HeaderSchema.parse(
    JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength))),
  );
  const adamCount = header.adam.filter((a) => a !== null).length;
  const bestCount = header.best ? header.weights.length : 0;
  const alignmentCount = header.alignment ? 1 : 0;
  if (header.arrays.length !== 1 + header.weights.length + 2 * adamCount + bestCount + alignmentCount) {
    throw new Error(
      `checkpoint header lists ${header.arrays.length} arrays where its parts need another count`,
    );
  }
  if (header.adam.length !== header.weights.length) {
    throw new Error(
      `checkpoint has Adam state for ${header.adam.length} of ${header.weights.length} weights`,
    );
  }
  let offset = align4(12 + headerLength);
  const arrays = header.arrays.map(({ dtype, length }) => {
    const end = offset + 4 * length;
    if (end > bytes.length) throw new Error("checkpoint is truncated inside its arrays");
    const start = offset;
    offset = end;
    if (hostIsLittleEndian) {
      // a copy: the arrays outlive the bytes, and the offset inside `bytes` need not be aligned
      const copy = bytes.slice(start, end).buffer;
      return dtype === "float32" ? new Float32Array(copy) : new Int32Array(copy);
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset + start, 4 * length);
    const out = dtype === "float32" ? new Float32Array(length) : new Int32Array(length);
    for (let i = 0; i < length; i++)
      out[i] = dtype === "float32" ? view.getFloat32(4 * i, true) : view.getInt32(4 * i, true);
    return out;
  });
  if (offset !== bytes.length)
    throw new Error(`checkpoint has ${bytes.length - offset} bytes past its arrays`);
  let next = 0;
  const take = <T extends Float32Array | Int32Array>(kind: new (n: number) => T, what: string): T => {
    const a = arrays[next++];
    if (!(a instanceof kind)) throw new Error(`checkpoint's ${what} has the wrong element type`);
    return a;
  };
  const order = take(Int32Array, "labeled-row order");
  const takeWeights = (what: string) =>
    header.weights.map(({ name, shape }) => {
      const values = take(Float32Array, `${what}${name}`);
      if (values.length !== shape.reduce((a, b) => a * b, 1)) {
        throw new Error(
          `checkpoint's ${what}${name} has ${values.length} values for shape [${shape.join(", ")}]`,
        );
      }
      return { name, shape: [...shape], values };
    });
  const weights = takeWeights("weight ");
  const adam = header.adam.map((a, i) =>
    a === null
      ? null
      : {
          m: take(Float32Array, `Adam m of ${header.weights[i]!.name}`),
          v: take(Float32Array, `Adam v of ${header.weights[i]!.name}`),
          ...a,
        },
  );
  const best = header.best && { ...header.best, weights: takeWeights("best epoch's weight ") };
  const alignment = header.alignment && {
    ...header.alignment,
    values: take(Float32Array, "distribution-alignment state"),
  };
  if (alignment && alignment.values.length !== alignment.subsets * alignment.window * alignment.classes) {
    throw new Error(
      `checkpoint's distribution-alignment state has ${alignment.values.length} values for ${alignment.subsets} × ${alignment.window} × ${alignment.classes}`,
    );
  }
  return {
    epoch: header.epoch,
    steps: header.steps,
    seconds: header.seconds,
    fingerprint: header.fingerprint,
    history: header.history,
    streams: header.streams,
    labeledCursor: { order, pos: header.cursorPos },
    weights,
    adam,
    ...(best && { best }),
    ...(alignment && { alignment }),
  };
}

/**
 * The final weights as tfjs's weights format has them: a manifest (`weights.json`, `weightsManifest` with one
 * group whose `paths` name the binary) and the float32 values concatenated little-endian (`weights.bin`), so any
 * tfjs `io.loadWeights`-style reader, or NumPy's `fromfile`, reads them.
 */
export function encodeWeights(
  weights: readonly NamedWeights[],
  extra: Record<string, unknown> = {},
): { manifest: string; bin: Uint8Array } {
  const bin = new Uint8Array(weights.reduce((s, w) => s + w.values.byteLength, 0));
  let offset = 0;
  for (const w of weights) {
    bin.set(littleEndianBytes(w.values), offset);
    offset += w.values.byteLength;
  }
  const manifest = {
    format: "tailsweep-weights",
    ...extra,
    weightsManifest: [
      {
        paths: ["weights.bin"],
        weights: weights.map(({ name, shape }) => ({ name, shape, dtype: "float32" })),
      },
    ],
  };
  return { manifest: `${JSON.stringify(manifest, null, 2)}\n`, bin };
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

const hostIsLittleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function littleEndianBytes(a: Float32Array | Int32Array): Uint8Array {
  if (hostIsLittleEndian) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) {
    if (a instanceof Float32Array) view.setFloat32(4 * i, a[i]!, true);
    else view.setInt32(4 * i, a[i]!, true);
  }
  return out;
}
