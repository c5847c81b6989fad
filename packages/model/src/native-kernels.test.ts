import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LayerwiseAdam, useNativeAdam } from "./adam";
import { currentBackend, initBackend } from "./backend";
import { loadNativeKernels } from "./native-kernels";
import { useCpuBackend } from "./test-backend";

const scratch = mkdtempSync(join(tmpdir(), "native-kernels-test-"));
beforeAll(async () => {
  await initBackend({ prefer: "wasm" });
});
afterAll(async () => {
  await useCpuBackend();
  rmSync(scratch, { recursive: true, force: true });
});

/** 20 Adam steps on a 300 × 300 variable (past the size at which the loop goes parallel); the final values. */
function train(tag: string, optimizer: Pick<tf.Optimizer, "applyGradients" | "dispose">): Float32Array {
  const init = tf.randomNormal([300, 300], 0, 1, "float32", 3);
  const w = tf.variable(init, true, tag);
  init.dispose();
  const loss = () => tf.sum(tf.square(tf.sin(w))) as tf.Scalar;
  for (let step = 0; step < 20; step++)
    tf.tidy(() => optimizer.applyGradients(tf.variableGrads(loss, [w]).grads));
  const values = Float32Array.from(w.dataSync());
  w.dispose();
  optimizer.dispose();
  return values;
}

describe("native kernels", () => {
  it("build once into the cache and load", async () => {
    const cacheDir = join(scratch, "cache");
    const first = await loadNativeKernels({ cacheDir });
    expect(first).toMatchObject({ ok: true });
    if (!first.ok) return;
    expect(first.kernels.library.startsWith(cacheDir)).toBe(true);
    expect(readdirSync(cacheDir)).toEqual([first.kernels.library.slice(cacheDir.length + 1)]); // no temporaries left
    expect(await loadNativeKernels({ cacheDir })).toBe(first);
  });

  it("run the wasm backend's Adam, bit for bit as tfjs's ops on 1 and 2 threads", async () => {
    expect(currentBackend()?.kernels).toMatch(
      /Adam, the hidden layers' bias \+ ReLU, the clip's gradient and same-shape adds → native C/,
    );
    // Adam's bits are the same either way: not in `detail`, which a checkpoint's fingerprint holds. The fused
    // decoder output rounds differently from tfjs's ops, so it is.
    expect(currentBackend()?.detail).not.toMatch(/Adam/);
    expect(currentBackend()?.detail).toMatch(/product of experts and Student-t draw fused \(native C\)/);
    const native = await loadNativeKernels();
    if (!native.ok) throw new Error(native.reason);
    const before = tf.memory().numTensors;
    const expected = train("reference", tf.train.adam(0.01));
    for (const threads of [1, 2]) {
      native.kernels.setThreads(threads);
      expect(native.kernels.getThreads()).toBe(threads);
      expect(train(`native-${threads}`, new LayerwiseAdam(0.01))).toEqual(expected);
    }
    useNativeAdam(undefined); // the variable is past the JavaScript loop's size: tfjs's ops
    expect(train("ops", new LayerwiseAdam(0.01))).toEqual(expected);
    useNativeAdam(native.kernels);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("refuse a cache folder others can write to, and rebuild a cached library that does not load", async () => {
    const open = join(scratch, "open");
    mkdirSync(open, { mode: 0o777 });
    chmodSync(open, 0o777);
    expect(await loadNativeKernels({ cacheDir: open })).toMatchObject({
      ok: false,
      reason: expect.stringContaining("writable by others"),
    });
    const cacheDir = join(scratch, "rebuild");
    const built = await loadNativeKernels({ cacheDir });
    if (!built.ok) throw new Error(built.reason);
    // the same key in a fresh process: here, a second cache folder holding a truncated copy under that name
    const again = join(scratch, "truncated");
    mkdirSync(again, { mode: 0o700 });
    const name = built.kernels.library.slice(cacheDir.length + 1);
    writeFileSync(join(again, name), "not a library", { mode: 0o644 });
    const rebuilt = await loadNativeKernels({ cacheDir: again });
    expect(rebuilt).toMatchObject({ ok: true });
    expect(readFileSync(join(again, name)).length).toBeGreaterThan(1000);
  });

  it("say why when there is no compiler, or the build fails", async () => {
    const missing = await loadNativeKernels({ compiler: join(scratch, "no-such-cc"), cacheDir: scratch });
    expect(missing).toMatchObject({ ok: false, reason: expect.stringContaining("no C compiler") });
    const broken = join(scratch, "broken-cc");
    writeFileSync(
      broken,
      '#!/bin/sh\n[ "$1" = --version ] && echo "broken-cc 1.0" && exit 0\n' +
        '[ "$1" = -dumpmachine ] && echo x86_64-linux-gnu && exit 0\necho "error: nope" >&2\nexit 1\n',
    );
    chmodSync(broken, 0o755);
    const failed = await loadNativeKernels({ compiler: broken, cacheDir: join(scratch, "broken") });
    expect(failed).toMatchObject({ ok: false, reason: expect.stringMatching(/did not build .*error: nope/) });
    expect(existsSync(join(scratch, "broken")) && readdirSync(join(scratch, "broken"))).toEqual([]);
  });
});
