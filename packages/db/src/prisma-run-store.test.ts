import type { PGlite } from "@electric-sql/pglite";
import { parseSweepFile } from "@tailsweep/schemas";
import { expandSweep } from "@tailsweep/sweep";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaClient } from "./generated/prisma/client";
import { applyMigrations } from "./migrate";
import { newPGlite } from "./pglite-template";
import { PrismaRunStore, STORED_DATA_INVALID, StoredDataError } from "./prisma-run-store";

// Rows changed behind the store's back (a hand edit, a bad migration): reading them must say which row and field,
// not hand a wrongly shaped value on to a worker or a report.
describe("PrismaRunStore reading malformed JSON columns", () => {
  let pglite: PGlite;
  let db: PrismaClient;
  let store: PrismaRunStore;
  const spec = parseSweepFile({ name: "stored", project: "p", seeds: [1, 2] });
  const t0 = new Date("2026-01-01T00:00:00Z");
  const metrics = {
    test: {
      n: 2,
      accuracy: 0.5,
      balancedAccuracy: 0.5,
      macroF1: 0.5,
      gMean: 0.5,
      perClassRecall: [1, Number.NaN],
      perClassPrecision: [0.5, Number.NaN],
      confusion: [
        [1, 0],
        [1, 0],
      ],
    },
    minorityRecall: Number.NaN,
    minorityClasses: [1],
    perModality: [],
  };

  beforeAll(async () => {
    pglite = await newPGlite("memory");
    await applyMigrations(pglite);
    db = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
    store = new PrismaRunStore(db);
    await store.createSweep({ id: "sw", spec, trials: expandSweep(spec), now: t0 });
  });
  afterAll(async () => {
    await db.$disconnect();
    await pglite.close();
  });

  it("reads a well-formed row back typed, NaN metrics (stored as null) as NaN", async () => {
    const [t] = await store.listTrials("sw");
    await store.claimTrial(t!.id, "w1", t0, "cpu");
    expect(await store.completeTrial(t!.id, 1, { metrics, backend: "cpu", seconds: 1 }, t0)).toMatchObject({
      state: "succeeded",
    });
    const r = await store.getResult(t!.id);
    expect(r?.metrics.test.perClassRecall).toEqual([1, Number.NaN]);
    expect(r?.metrics.minorityRecall).toBeNaN();
    expect(t!.config.model.nu).toBe(10);
  });

  it("names the trial and the field of a config that no longer parses", async () => {
    const [, t] = await store.listTrials("sw");
    await db.$executeRaw`UPDATE trial SET config = jsonb_set(config, '{model,nu}', '"ten"') WHERE id = ${t!.id}`;
    const error = await store.getTrial(t!.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoredDataError);
    expect(error).toMatchObject({ code: STORED_DATA_INVALID, row: `trial ${t!.id}` });
    expect(String(error)).toMatch(
      new RegExp(`trial ${t!.id}: stored data is invalid:\\n {2}- config\\.model\\.nu: `),
    );
    await expect(store.listTrials("sw")).rejects.toThrow(`config.model.nu`);
  });

  it("names the trial and the field of a kind that is neither cpu nor gpu", async () => {
    const [t] = await db.trial.findMany({ where: { sweepId: "sw", state: "succeeded" } }); // its config is sound
    await db.trial.update({ where: { id: t!.id }, data: { kind: "tpu" } });
    await expect(store.getTrial(t!.id)).rejects.toThrow(
      `trial ${t!.id}: stored data is invalid:\n  - kind: `,
    );
    await expect(store.countTrials(["sw"])).rejects.toMatchObject({ code: STORED_DATA_INVALID });
    await db.trial.update({ where: { id: t!.id }, data: { kind: "cpu" } });
  });

  it("names the trial and the field of result metrics that no longer parse", async () => {
    const [t] = await db.trial.findMany({ where: { sweepId: "sw", state: "succeeded" } });
    await db.$executeRaw`UPDATE trial_result SET metrics = metrics - 'perModality' WHERE trial_id = ${t!.id}`;
    await expect(store.getResult(t!.id)).rejects.toThrow(
      `result of trial ${t!.id}: stored data is invalid:\n  - metrics.perModality: `,
    );
    await expect(store.listResults("sw")).rejects.toMatchObject({ code: STORED_DATA_INVALID });
  });

  it("names the epoch and the field of a loss that no longer parses", async () => {
    const [t] = await db.trial.findMany({ where: { sweepId: "sw", state: "succeeded" } });
    const loss = { total: 1, labeled: 1, unlabeled: 1, classification: 1 };
    await store.recordEpoch(t!.id, 1, { epoch: 1, loss, seconds: 1 });
    await db.$executeRaw`UPDATE epoch_metric SET loss = '{"total": "high"}' WHERE trial_id = ${t!.id}`;
    await expect(store.listEpochs(t!.id)).rejects.toThrow(
      `trial ${t!.id} attempt 1 epoch 1: stored data is invalid`,
    );
    await expect(store.listEpochs(t!.id)).rejects.toThrow("loss.total: ");
  });
});

// Sweeps stored before dataset recipes carried a version were built by version 1 (docs/data.md, "Recipe versions").
describe("PrismaRunStore reading a sweep stored before dataset versions", () => {
  let pglite: PGlite;
  let db: PrismaClient;
  let store: PrismaRunStore;
  const spec = parseSweepFile({ name: "legacy", project: "p", seeds: [1, 2], search: { nu: [5, 30] } });

  beforeAll(async () => {
    pglite = await newPGlite("memory");
    await applyMigrations(pglite);
    db = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
    store = new PrismaRunStore(db);
    await store.createSweep({
      id: "old",
      spec,
      trials: expandSweep(spec),
      now: new Date("2026-01-01T00:00:00Z"),
    });
    // what a row written then looks like: no version in the spec's dataset knobs or in any trial's recipe
    await db.$executeRaw`UPDATE sweep SET spec = spec #- '{dataset,version}' WHERE id = 'old'`;
    await db.$executeRaw`UPDATE trial SET config = config #- '{dataset,version}' WHERE sweep_id = 'old'`;
  });
  afterAll(async () => {
    await db.$disconnect();
    await pglite.close();
  });

  it("reads its spec and trial configs as version 1, so retries and added seeds keep its data", async () => {
    const raw = await db.sweep.findUniqueOrThrow({ where: { id: "old" } });
    expect(JSON.stringify(raw.spec)).not.toMatch(/"version"/);
    const sweep = await store.getSweep("old");
    expect(sweep?.spec.dataset).toEqual({ version: 1 });
    const trials = await store.listTrials("old");
    expect(trials.map((t) => t.config.dataset.version)).toEqual([1, 1, 1, 1]);
    // adding a seed expands the stored spec again: the new trials are built by version 1 too
    const added = expandSweep({ ...sweep!.spec, seeds: [...sweep!.spec.seeds, 3] }).filter(
      (p) => p.seed === 3,
    );
    expect(added.map((p) => p.config.dataset.version)).toEqual([1, 1]);
    // a sweep written now keeps the version it was written with
    expect(expandSweep(spec).every((p) => p.config.dataset.version === 2)).toBe(true);
  });
});
