import { VARIANT_OVERRIDES, type Variant } from "@tailsweep/schemas";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, describe, expect, it } from "vitest";
import {
  checkAgreement,
  compareSteps,
  GRADIENT_TOLERANCE,
  LOSS_TOLERANCE,
  proposedStepValues,
} from "./agreement";
import { type BackendName, initBackend } from "./backend";

const candidates: BackendName[] = ["wasm", "wasm-blas", "tensorflow", "webgpu"];
/** The proposed model and the variants that add paths of their own to the step (docs/model.md §10). */
const variants: Variant[] = [
  "proposed",
  "mixture",
  "logit-adjusted",
  "aligned",
  "student-t-kl",
  "gaussian-matched",
];
/** Set by CI, which installs lavapipe: there a webgpu that does not initialise is a failure, not a skip. */
const required = new Set((process.env.TAILSWEEP_REQUIRE_BACKENDS ?? "").split(",").filter(Boolean));

describe("one training step agrees across compute backends", () => {
  afterAll(async () => {
    await initBackend({ prefer: "cpu" });
  });

  it.for(candidates.flatMap((name) => variants.map((variant) => [name, variant] as const)))(
    "%s matches cpu in loss and every gradient (%s)",
    async ([name, variant], ctx) => {
      const agreement = await checkAgreement(name, VARIANT_OVERRIDES[variant]).catch((e: Error) => {
        if (required.has(name)) throw e;
        // Not installable here (tensorflow never is; wasm-blas needs libopenblas0-openmp; webgpu a Vulkan driver):
        // reported as skipped.
        ctx.skip();
      });
      expect(agreement!.backend.name).toBe(name);
      expect(agreement!.variables).toBeGreaterThan(10);
      expect(agreement!.lossError).toBeLessThan(LOSS_TOLERANCE);
      expect(agreement!.gradientError).toBeLessThan(GRADIENT_TOLERANCE);
      expect(agreement!.agrees).toBe(true);
    },
  );

  it.for(variants)("leaves no tensor behind (%s)", async (variant) => {
    await initBackend({ prefer: "cpu" });
    await proposedStepValues(VARIANT_OVERRIDES[variant]); // the first step may create lasting state (kernels, constants)
    const before = tf.memory().numTensors;
    await proposedStepValues(VARIANT_OVERRIDES[variant]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("notices a gradient that is off by more than rounding", () => {
    const reference = { loss: 2, grads: [Float32Array.from([1, -0.5]), Float32Array.from([0.01, 0])] };
    expect(compareSteps(reference, reference)).toEqual({ lossError: 0, gradientError: 0, variables: 2 });
    const off = { loss: 2, grads: [Float32Array.from([1, -0.5]), Float32Array.from([0.01, 0.001])] };
    // 0.001 off where the variable's largest gradient is 0.01: a relative error of 0.1.
    expect(compareSteps(reference, off).gradientError).toBeCloseTo(0.1, 6);
    expect(() => compareSteps(reference, { loss: 2, grads: [] })).toThrow(
      /0 gradients against the reference's 2/,
    );
  });
});
