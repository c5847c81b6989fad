// The archive `sweep import` reads: a hostile or spoilt file is refused with every problem named, before any store
// sees it (an id that could name another sweep's files, a trial of another sweep, keys that do not follow from
// params and seeds, NUL, dates that are not dates).
import { parseSweepFile } from "@tailsweep/schemas";
import { describe, expect, it } from "vitest";
import { expandSweep } from "./expand";
import { InMemoryRunStore } from "./in-memory-run-store";
import { SweepArchiveSchema } from "./sweep-archive";
import { scriptedResult } from "./testing";

const id = "0123456789abcdef0123456789abcdef";

/** A finished sweep's export as JSON text reads it back (left untyped to be spoilt): one trial succeeded, one failed. */
// biome-ignore lint/suspicious/noExplicitAny: JSON to be spoilt field by field, as a hostile file would be
async function exported(): Promise<any> {
  const store = new InMemoryRunStore();
  const spec = parseSweepFile({ name: "a", project: "p", search: { nu: [5, 10] }, seeds: [1] });
  const t0 = new Date("2026-01-01T00:00:00Z");
  await store.createSweep({ id, spec, trials: expandSweep(spec), now: t0 });
  const [a, b] = await store.listTrials(id);
  await store.claimTrial(a!.id, "w", t0);
  await store.completeTrial(a!.id, 1, scriptedResult(0.7), t0);
  await store.claimTrial(b!.id, "w", t0);
  await store.failTrial(b!.id, 1, "diverged", false, t0);
  const results = await store.listResults(id);
  return JSON.parse(
    JSON.stringify({
      sweep: await store.getSweep(id),
      trials: (await store.listTrials(id)).map((t) => ({ ...t, result: results.get(t.id) ?? null })),
      revisions: await store.listRevisions(id),
    }),
  );
}

const problems = (archive: unknown) => {
  const parsed = SweepArchiveSchema.safeParse(archive);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("SweepArchiveSchema", () => {
  it("reads back what an export writes", async () => {
    expect(problems(await exported())).toEqual([]);
  });

  it("names every problem of a hostile file", async () => {
    const json = await exported();
    json.sweep.id = `${id}/trials`;
    json.sweep.notes = "a\u0000b";
    json.sweep.project = "other";
    json.trials[0].id = `${"f".repeat(32)}:${json.trials[0].key}`;
    json.trials[1].key = json.trials[0].key;
    json.trials[1].startedAt = null;
    json.revisions[0].createdAt = 0;
    expect(problems(json)).toEqual([
      "sweep.id: must be a sweep id as tailsweep makes them (32 hex characters, or a UUID)",
      "trials.1.startedAt: must be text, got null",
      "revisions.0.createdAt: must be text, got 0",
    ]);
    // with the shapes mended, the checks across fields name the rest at once
    json.sweep.id = id;
    delete json.trials[1].startedAt;
    json.revisions[0].createdAt = "2026-01-01T00:00:00.000Z";
    expect(problems(json)).toEqual([
      ": must not contain NUL characters",
      "sweep.project: must be its spec's (p)",
      `trials.0.id: must be ${id}:${json.trials[0].key}`,
      "trials.1.key: must be the key of its params and seed",
      `trials.1.id: must be ${id}:${json.trials[1].key}`,
    ]);
  });
});
