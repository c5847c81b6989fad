import type { Action } from "@tailsweep/access";
import { loadSweepRuns, SWEEP_NOT_FOUND_CODE, SweepNotFoundError, type SweepRuns } from "@tailsweep/analysis";
import { ConfigError, InputError, NotFoundError, namesInBrief } from "@tailsweep/schemas";
import type { SweepRecord } from "@tailsweep/sweep";
import { z } from "zod";
import { authorize, canRead } from "../caller";
import { idField } from "../input";
import type { ApiContext } from "../trpc";

/** The input of every procedure about one sweep. */
export const sweepIdInput = z.object({ id: idField }).strict();

/**
 * The sweep, by its id or a unique start of it among the sweeps the caller can read (the 8 characters tables show),
 * if the caller may do `action` to it (reading, by default). A sweep that is not there and one in a project the
 * caller has no role in are the same SweepNotFoundError (NOT_FOUND, SWEEP_NOT_FOUND, the same words): a guessed id
 * confirms nothing. A start of several ids is an InputError at `id`; a role too weak for `action` is FORBIDDEN.
 */
export async function sweepOrThrow(
  ctx: ApiContext,
  id: string,
  action: Action = "read",
): Promise<SweepRecord> {
  const exact = await ctx.store.getSweep(id);
  const sweep = exact && canRead(ctx.caller, exact.project) ? exact : await sweepStartingWith(ctx, id);
  if (!sweep) throw new SweepNotFoundError(id);
  authorize(ctx.caller, sweep.project, action, `sweep with id ${id}`);
  return sweep;
}

/** The one sweep the caller can read whose id starts with `prefix`: undefined for none, an InputError for several. */
async function sweepStartingWith(ctx: ApiContext, prefix: string): Promise<SweepRecord | undefined> {
  const matches = (await ctx.store.listSweeps()).filter(
    (s) => canRead(ctx.caller, s.project) && s.id.startsWith(prefix),
  );
  if (matches.length > 1)
    throw new InputError(
      "id",
      ambiguousPrefix(
        prefix,
        matches.map((s) => s.id),
      ),
    );
  return matches[0];
}

/** A start several ids share, said with them (the first few): which to give more of is then plain. */
const ambiguousPrefix = (prefix: string, ids: readonly string[]) =>
  `'${prefix}' is the start of ${ids.length} sweep ids (${namesInBrief(ids, { shown: 5 })}); give more of it`;

/** The runs of a sweep the caller may read: what every per-sweep view is computed from. */
export async function readableRuns(ctx: ApiContext, id: string): Promise<SweepRuns> {
  return loadSweepRuns(ctx.store, await sweepOrThrow(ctx, id));
}

/**
 * Full ids of sweeps the caller can read, from ids or unique id prefixes (the 8 characters tables show), in order.
 * `field` names the input (`sweeps`): an unknown one is SweepNotFoundError at `sweeps[i]`, an ambiguous prefix an
 * InputError there; or it names the i-th id's place itself (`groups[2].sweepId`).
 */
export async function resolveSweepIds(
  ctx: ApiContext,
  wanted: readonly string[],
  field: string | ((i: number) => string),
): Promise<string[]> {
  const at = typeof field === "string" ? (i: number) => `${field}[${i}]` : field;
  const ids = (await ctx.store.listSweeps()).filter((s) => canRead(ctx.caller, s.project)).map((s) => s.id);
  const problems: Error[] = [];
  let missing = 0;
  const resolved: string[] = [];
  const first = new Map<string, number>();
  wanted.forEach((w, i) => {
    const matches = ids.includes(w) ? [w] : ids.filter((id) => id.startsWith(w));
    if (matches.length === 0) {
      problems.push(new SweepNotFoundError(w, at(i)));
      missing++;
    } else if (matches.length > 1) problems.push(new InputError(at(i), ambiguousPrefix(w, matches)));
    else if (first.has(matches[0]!))
      // The same sweep twice would count its every test twice (a report's "4 tests" of 2).
      problems.push(
        new InputError(
          at(i),
          `'${w}' is sweep ${matches[0]}, named already as ${at(first.get(matches[0]!)!)}; name each sweep once`,
        ),
      );
    else {
      first.set(matches[0]!, i);
      resolved.push(matches[0]!);
    }
  });
  if (problems.length === 1) throw problems[0]!;
  // several ids none of which is there are not found (exit 3), as one is; a mix with a bad prefix is bad input
  if (problems.length > 1 && missing === problems.length)
    throw new NotFoundError(SWEEP_NOT_FOUND_CODE, problems.map((e) => e.message).join("\n"));
  if (problems.length > 1) throw new ConfigError(problems.map((e) => e.message));
  return resolved;
}
