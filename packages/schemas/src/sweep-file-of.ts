import type { SweepFileInput, SweepSpec } from "./sweep";

/**
 * The sweep file a spec reads back as: its seeds a list, or a sequential design's `{ initial, step, max }` with its
 * `decide` beside them, and everything parseSweepFile filled in written out. What "launch a copy" starts from: the
 * stored spec itself is no sweep file (`sequential` and a TPE search's resolved seeds are the spec's own fields).
 * parseSweepFile(sweepFileOf(spec)) is `spec` again, but for a sequential design's calibration, which a new sweep
 * takes from the current simulations.
 */
export function sweepFileOf(spec: SweepSpec): SweepFileInput {
  const { sequential, seeds, ...rest } = spec;
  if (!sequential) return { ...rest, seeds };
  // `top` only where the file may say it (with method: tpe); parseSweepFile writes the metric in, which is allowed
  const { top, ...decide } = sequential.decide;
  return {
    ...rest,
    seeds: { initial: sequential.initial, step: sequential.step, max: sequential.max },
    decide: { ...decide, ...(spec.method === "tpe" && top !== undefined && { top }) },
  };
}
