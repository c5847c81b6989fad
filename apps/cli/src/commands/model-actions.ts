import { gammaLossTerms, initBackend } from "@tailsweep/model";
import {
  describeIssues,
  explicitGammaProblem,
  explicitGammaWarning,
  gammaConstants,
  InputError,
  messageOf,
  regularizerMinimumVariance,
} from "@tailsweep/schemas";
import { z } from "zod";
import { readFlagFile } from "../config-input";

const matrix = z.array(z.array(z.number()).min(1)).min(1);

/** Input of `tailsweep model loss`: one batch of encoder outputs and reconstructions. */
export const LossInputSchema = z
  .object({
    nu: z.number().gt(2),
    n: z.number().int().min(1),
    m: z.number().int().min(1),
    sigma: z.number().gt(0).default(1),
    regWeight: z.number().min(0).default(1),
    mu: matrix,
    logvar: matrix,
    x: matrix,
    xRecon: matrix,
  })
  .strict()
  .superRefine((v, ctx) => {
    const B = v.mu.length;
    const check = (field: "mu" | "logvar" | "x" | "xRecon", cols: number, colName: string) => {
      const rows = v[field];
      if (rows.length !== B)
        ctx.addIssue({
          code: "custom",
          path: [field],
          message: `expected ${B} rows (as mu), got ${rows.length}`,
        });
      rows.forEach((row, i) => {
        if (row.length !== cols) {
          ctx.addIssue({
            code: "custom",
            path: [field, i],
            message: `expected ${cols} columns (${colName}), got ${row.length}`,
          });
        }
      });
    };
    check("mu", v.m, "m");
    check("logvar", v.m, "m");
    check("x", v.n, "n");
    check("xRecon", v.n, "n");
  });

const output = (json: boolean | undefined, values: Record<string, number>) =>
  process.stdout.write(
    json
      ? `${JSON.stringify(values)}\n`
      : `${Object.entries(values)
          .map(([k, v]) => `${k.padEnd(10)} ${v}`)
          .join("\n")}\n`,
  );

/** `tailsweep model constants`: γ and the constants of the γ-loss, in float64. */
export function constantsCommand(o: {
  nu: number;
  n: number;
  m: number;
  sigma: number;
  gamma?: number | string;
  json?: boolean;
}): void {
  // numberOrWord lets through a number or "tied" alone
  const gamma = typeof o.gamma === "number" ? o.gamma : undefined;
  const c = gammaConstants({
    nu: o.nu,
    n: o.n,
    m: o.m,
    sigma: o.sigma,
    ...(gamma !== undefined && { gamma }),
  });
  // The numbers stand; what training with them would meet is said beside them, as a launch says it (docs/model.md
  // §3: E1–E3 refuse; (M1) past the prior's variance is a note). The tied γ always trains.
  const at = { nu: o.nu, ns: [o.n], m: o.m, sigma: o.sigma, gamma: c.gamma };
  const minimumVariance = (v: { variance: number; tiedVariance: number }) =>
    gamma === undefined ? v.tiedVariance : v.variance;
  const problem = gamma === undefined ? undefined : explicitGammaProblem(at);
  const warning = gamma === undefined ? undefined : explicitGammaWarning(at);
  const numbers = {
    gamma: c.gamma,
    logC: c.logC,
    logB: c.logB,
    C1: c.C1,
    tau0: c.tau0,
    tauSqAlt: c.tauSqAlt,
    detExp: c.detExp,
    // (M1): where the regulariser pulls each posterior's variance; none where the γ cannot train
    minimumVariance: problem ? null : minimumVariance(regularizerMinimumVariance({ ...at, n: o.n })),
  };
  if (o.json)
    process.stdout.write(
      `${JSON.stringify({ ...numbers, refused: problem ?? null, note: warning ?? null })}\n`,
    );
  else
    process.stdout.write(
      `${Object.entries(numbers)
        .map(([k, v]) => `${k.padEnd(15)} ${v ?? "none (a launch refuses this γ)"}`)
        .join("\n")}\n`,
    );
  if (problem) process.stderr.write(`note: a launch refuses this γ: ${problem}\n`);
  else if (warning) process.stderr.write(`note: a launch says of this γ: ${warning}\n`);
}

/** `tailsweep model loss --input <file>`: one batch's γ-loss terms on the cpu backend. */
export async function lossCommand(o: { input: string; json?: boolean }): Promise<void> {
  const text = readFlagFile(o.input, "--input");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError("--input", `${o.input} is not valid JSON: ${messageOf(e)}`);
  }
  const parsed = LossInputSchema.safeParse(raw);
  if (!parsed.success)
    throw new InputError("--input", `${o.input}: ${describeIssues(parsed.error).join("; ")}`);
  // The cpu backend evaluates the same tensor functions the trainer uses, without backend noise.
  await initBackend({ prefer: "cpu" });
  const v = parsed.data;
  const c = gammaConstants({ nu: v.nu, n: v.n, m: v.m, sigma: v.sigma });
  output(o.json, { ...gammaLossTerms(v, c, v.regWeight) });
}
