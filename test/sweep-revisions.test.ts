// Retry, resume, extend and confirm through the API (the dashboard's and the CLI's path) on PGlite, with the real controller
// as launcher and an in-process worker whose trials are quick, scripted results: what is tested is which trials run,
// what is stored, who may ask and what the audit log keeps, not training.

import { createCaller, LOCAL_CALLER, memberCaller } from "@tailsweep/api";
import { InProcessBus } from "@tailsweep/bus";
import { Controller } from "@tailsweep/controller";
import { openRunStore } from "@tailsweep/db";
import { initBackend } from "@tailsweep/model";
import { parseSweepFile, type RunConfig } from "@tailsweep/schemas";
import { sweepIdFor } from "@tailsweep/sweep";
import { Worker } from "@tailsweep/worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { waitFor } from "./harness";

const sweepYaml = `
name: revisions
project: alpha
search: { variant: [gaussian, proposed, supervised] }
seeds: 3
`;

/** Balanced accuracy by variant and seed: proposed far above gaussian, supervised within noise of it. */
function accuracy(config: RunConfig): number {
  const seed = config.train.seed;
  const noise = [0, 0.012, -0.009, 0.015, -0.011, 0.008, -0.013, 0.01, -0.006, 0.014][seed % 10]!;
  if (config.variant === "proposed") return 0.8 + noise * 1.25;
  if (config.variant === "supervised") return 0.604 + noise + (seed % 2 ? 0.01 : -0.008);
  return 0.6 + noise;
}

describe("retry, resume and extend through the API", { timeout: 120_000 }, () => {
  let opened: Awaited<ReturnType<typeof openRunStore>>;
  let controller: Controller;
  const cleanup: (() => Promise<unknown>)[] = [];
  const failing = new Set<number>();
  // Trials of these seeds wait for `held.until` before they answer: a sweep kept running while a test asks.
  const held = { seeds: new Set<number>(), until: Promise.resolve() };
  let api: ReturnType<typeof createCaller>;
  let id: string;
  const finished = async () => (await api.sweeps.get({ id })).status !== "running";
  const controllerLog: string[] = [];

  beforeAll(async () => {
    opened = await openRunStore({ pgliteDir: "memory", databaseUrl: "" });
    const bus = new InProcessBus();
    controller = new Controller(opened.store, bus, {
      reapEveryMs: 1_000,
      log: (line) => controllerLog.push(line),
    });
    await controller.start();
    const backend = await initBackend({ prefer: "cpu" });
    const worker = new Worker(bus, {
      id: "w",
      backend,
      runTrial: async (config) => {
        if (failing.has(config.train.seed)) throw new Error("out of memory");
        if (held.seeds.has(config.train.seed)) await held.until;
        const v = accuracy(config);
        const test = { n: 10, accuracy: v, balancedAccuracy: v, macroF1: v, gMean: v };
        const metrics = {
          test: { ...test, perClassRecall: [], perClassPrecision: [], confusion: [] },
          minorityRecall: v,
          minorityClasses: [],
          perModality: [],
        };
        await new Promise((r) => setTimeout(r, 20));
        return { metrics, backend: backend.name, seconds: 30 };
      },
    });
    await worker.start();
    cleanup.push(
      () => worker.stop(),
      () => controller.stop(),
      () => bus.close(),
      () => opened.close(),
    );
    api = createCaller({
      store: opened.store,
      launcher: controller,
      access: opened.access,
      caller: LOCAL_CALLER,
    });
  });
  afterAll(async () => {
    for (const f of cleanup) await f();
  });

  it("retries only the failed trials, keeping their history, and audits it", async () => {
    failing.add(2);
    ({ id } = await api.sweeps.launch({ yaml: sweepYaml }));
    await waitFor(finished, "the sweep to finish", 60_000);
    const states = async () => (await api.sweeps.trials({ id })).map((t) => t.state);
    expect((await states()).filter((s) => s === "failed")).toHaveLength(3);
    failing.clear();
    // a dry run says what a retry queues and the training it takes, and queues nothing
    const dry = await api.sweeps.retry({ id, dryRun: true });
    expect(dry).toMatchObject({ retried: 0, trialCount: 3 });
    expect(dry.estimatedSeconds).toBeGreaterThan(0);
    expect((await states()).filter((s) => s === "failed")).toHaveLength(3);
    // confirmed for fewer than now fail (more failed after the dialog): refused, nothing queued
    await expect(api.sweeps.retry({ id, expectTrials: 2 })).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(/not the 2 confirmed/),
    });
    expect(await api.sweeps.retry({ id, expectTrials: 3 })).toMatchObject({ retried: 3, trialCount: 3 });
    await waitFor(finished, "the retried trials", 60_000);
    expect(new Set(await states())).toEqual(new Set(["succeeded"]));
    const seedTwo = (await opened.store.listTrials(id)).filter((t) => t.seed === 2);
    // each with when its failed attempt ran, which the sweep's elapsed time counts
    for (const t of seedTwo)
      expect(t.retries).toEqual([
        { attempt: 1, reason: "out of memory", startedAt: expect.any(Date), endedAt: expect.any(Date) },
      ]);
    expect(await api.sweeps.retry({ id })).toMatchObject({ retried: 0, trialCount: 0 });
    expect((await opened.access.auditOf("alpha")).map((e) => e.action)).toEqual([
      "sweep.retry",
      "sweep.launch",
    ]);
  });

  it("refuses a retry of a cancelled sweep's failed trials, its dry run as the real one, until it is resumed", async () => {
    // one configuration, its trials in seed order: seed 1 fails, seed 2 runs until released, seed 3 waits
    failing.add(1);
    let release = () => {};
    held.seeds.add(2);
    held.until = new Promise<void>((resolve) => {
      release = resolve;
    });
    const yaml = sweepYaml
      .replace("revisions", "cancelled-failures")
      .replace("[gaussian, proposed, supervised]", "[gaussian]");
    const { id: stopped } = await api.sweeps.launch({ yaml });
    const counts = async () => (await api.sweeps.get({ id: stopped })).counts;
    await waitFor(
      async () => (await counts()).failed === 1 && (await counts()).running === 1,
      "seed 1 to fail",
      60_000,
    );
    expect((await api.sweeps.cancel({ id: stopped })).cancelled).toBe(true);
    failing.clear();
    release();
    held.seeds.clear();
    for (const retry of [api.sweeps.retry({ id: stopped, dryRun: true }), api.sweeps.retry({ id: stopped })])
      await expect(retry).rejects.toMatchObject({
        code: "CONFLICT",
        message: expect.stringMatching(/is cancelled/),
      });
    expect((await counts()).failed).toBe(1);
    await api.sweeps.resume({ id: stopped });
    expect(await api.sweeps.retry({ id: stopped, dryRun: true })).toMatchObject({ trialCount: 1 });
    expect(await api.sweeps.retry({ id: stopped, expectTrials: 1 })).toMatchObject({ retried: 1 });
    await waitFor(
      async () => (await api.sweeps.get({ id: stopped })).status === "completed",
      "the resumed and retried sweep",
      60_000,
    );
    expect(await counts()).toMatchObject({ succeeded: 3, failed: 0 });
  });

  it("plans a top-up to the power the open comparison needs, shows its cost before, and marks its verdict post hoc", async () => {
    const query = { id, seeds: { toPower: 0.8, maxSeeds: 8 }, baseline: "variant=gaussian" } as const;
    const dry = await api.sweeps.extend({ ...query, dryRun: true });
    expect(dry).toMatchObject({
      configurations: ["variant=gaussian", "variant=supervised"],
      target: { undecided: 1, power: 0.8 },
      revision: null,
      added: 0,
    });
    expect(dry.trialCount).toBe(2 * (dry.target!.seeds - 3));
    expect(dry.estimatedSeconds).toBe(30 * dry.trialCount);
    expect(await opened.store.listTrials(id)).toHaveLength(9); // a dry run adds nothing
    const done = await api.sweeps.extend(query);
    expect(done).toMatchObject({ revision: 2, added: dry.trialCount, trialCount: dry.trialCount });
    await waitFor(finished, "the top-up", 60_000);
    const table = await api.sweeps.compare({ id, baseline: "variant=gaussian" });
    const marks = Object.fromEntries(table.rows.map((r) => [r.config, r.posthocRevisions]));
    expect(marks).toEqual({ "variant=gaussian": [], "variant=proposed": [], "variant=supervised": [2] });
    expect(table.posthocNote).toMatch(/optimistic \(optional stopping\)/);
    expect(await api.sweeps.revisions({ id })).toEqual([
      expect.objectContaining({ revision: 1, kind: "submit", posthoc: false }),
      expect.objectContaining({
        revision: 2,
        kind: "extend",
        posthoc: true,
        by: "local user",
        configKeys: expect.any(Array),
        note: expect.stringMatching(/^top up 1 undecided comparison to \d+ seeds for power 0\.8$/),
      }),
    ]);
    // asked again, it adds nothing, and says why
    const again = await api.sweeps.extend(query);
    expect(again).toMatchObject({ revision: null, added: 0 });
    expect(again.reason ?? "").not.toBe("");
    expect((await opened.access.auditOf("alpha"))[0]).toMatchObject({ action: "sweep.extend" });
  });

  it("adds named seeds to every configuration, and resumes a cancelled sweep without rerunning what succeeded", async () => {
    const before = (await opened.store.listTrials(id)).length;
    // a comparison's settings with seeds for every configuration would be ignored: refused, and nothing stored
    await expect(
      api.sweeps.extend({ id, seeds: { more: 2 }, metric: "nope", baseline: "variant=nope" }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/^baseline, metric: set the comparison/),
    });
    // a power to reach sizes the open comparisons alone: seeds for every configuration is not what it computes
    await expect(
      api.sweeps.extend({ id, seeds: { toPower: 0.8, maxSeeds: 10 }, only: "all" }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/^only: a power to reach tops up only the undecided comparisons/),
    });
    expect(await opened.store.listTrials(id)).toHaveLength(before);
    expect(await api.sweeps.extend({ id, seeds: { more: 2 } })).toMatchObject({ revision: 3, added: 6 });
    // Two at once: one cancels it, the other is told it is cancelled; one audit entry.
    const cancels = (await opened.access.auditOf("alpha")).filter((e) => e.action === "sweep.cancel").length;
    const stops = await Promise.all([api.sweeps.cancel({ id }), api.sweeps.cancel({ id })]);
    expect(stops.filter((s) => s.cancelled)).toEqual([
      { id, stopped: expect.any(Number), status: "cancelled", cancelled: true },
    ]);
    expect(stops).toContainEqual({ id, stopped: 0, status: "cancelled", cancelled: false });
    expect((await opened.access.auditOf("alpha")).filter((e) => e.action === "sweep.cancel")).toHaveLength(
      cancels + 1,
    );
    const cancelled = (await opened.store.listTrials(id)).filter((t) => t.state === "cancelled").length;
    expect(stops.find((s) => s.cancelled)!.stopped).toBe(cancelled);
    await expect(api.sweeps.extend({ id, seeds: { more: 1 } })).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(/is cancelled: resume it first/),
    });
    // A dry run says the same: it never agrees to what the request itself refuses.
    for (const dry of [
      api.sweeps.extend({ id, seeds: { more: 1 }, dryRun: true }),
      api.sweeps.confirm({ id, seeds: { more: 2 }, dryRun: true }),
    ])
      await expect(dry).rejects.toMatchObject({
        code: "CONFLICT",
        message: expect.stringMatching(/is cancelled/),
      });
    // Two at once (a double click, two people): one resumes it, the other is told it runs; one audit entry.
    const resumes = (await opened.access.auditOf("alpha")).filter((e) => e.action === "sweep.resume").length;
    // a dry run first: what it queues and the training that takes, and the sweep stays cancelled
    const dry = await api.sweeps.resume({ id, dryRun: true });
    expect(dry).toMatchObject({ resumed: 0, wasCancelled: true, status: "cancelled", trialCount: cancelled });
    expect(dry.estimatedSeconds).toBeGreaterThan(0);
    expect((await api.sweeps.get({ id })).status).toBe("cancelled");
    const both = await Promise.all([api.sweeps.resume({ id }), api.sweeps.resume({ id })]);
    const outcome = (r: (typeof both)[number]) => ({
      resumed: r.resumed,
      wasCancelled: r.wasCancelled,
      status: r.status,
    });
    expect(both.map(outcome)).toContainEqual({ resumed: cancelled, wasCancelled: true, status: "cancelled" });
    expect(both.map(outcome)).toContainEqual({ resumed: 0, wasCancelled: false, status: "running" });
    expect((await opened.access.auditOf("alpha")).filter((e) => e.action === "sweep.resume")).toHaveLength(
      resumes + 1,
    );
    await waitFor(finished, "the resumed sweep", 60_000);
    const trials = await opened.store.listTrials(id);
    expect(trials).toHaveLength(before + 6);
    expect(trials.every((t) => t.state === "succeeded")).toBe(true);
    expect(await api.sweeps.resume({ id })).toMatchObject({
      resumed: 0,
      wasCancelled: false,
      status: "completed",
    });
  });

  it("confirms the best configuration on fresh seeds: a planned revision, tested apart from the selection", async () => {
    const used = new Set((await opened.store.listTrials(id)).map((t) => t.seed));
    const fresh = Math.max(...used) + 1;
    const query = { id, seeds: { more: 4 }, baseline: "variant=gaussian" } as const;
    const dry = await api.sweeps.confirm({ ...query, dryRun: true });
    expect(dry).toMatchObject({
      seeds: [fresh, fresh + 1, fresh + 2, fresh + 3],
      baseline: "variant=gaussian",
      selected: ["variant=proposed"],
      trialCount: 8,
      estimatedSeconds: 240,
      revision: null,
    });
    await expect(api.sweeps.confirm({ ...query, expectTrials: 6 })).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(/changed the plan: it adds 8 trials now, not the 6 confirmed/),
    });
    const before = await api.sweeps.compare({ id, baseline: "variant=gaussian" });
    const done = await api.sweeps.confirm({ ...query, expectTrials: 8 });
    expect(done).toMatchObject({ revision: 4, added: 8 });
    await waitFor(finished, "the confirmation", 60_000);
    const table = await api.sweeps.compare({ id, baseline: "variant=gaussian" });
    expect(table.rows.map((r) => r.seeds)).toEqual(before.rows.map((r) => r.seeds));
    // the ranking (`sweep status`, `sweep run`'s summary, the sweep list's best) counts the selection's seeds alone
    const counted = (rows: { config: string; n: number }[]) =>
      Object.fromEntries(rows.map((r) => [r.config, r.n]));
    expect(
      counted(
        (await api.sweeps.ranking({ id })).configurations.map((c) => ({ config: c.config, n: c.seeds })),
      ),
    ).toEqual(counted(before.rows.map((r) => ({ config: r.config, n: r.summary.n }))));
    expect(table.confirmations).toHaveLength(1);
    const [c] = table.confirmations;
    expect(c!.heading).toBe(
      `selected on seeds ${[...used].sort((a, b) => a - b)[0]}–${Math.max(...used)}, confirmed on ${fresh}–${fresh + 3}`,
    );
    expect(
      c!.rows.map((r) => [r.config, r.selection?.verdict, r.confirmation?.verdict, r.confirmation?.seeds]),
    ).toEqual([["variant=proposed", "better", "better", 4]]);
    expect((await api.sweeps.revisions({ id })).at(-1)).toMatchObject({
      revision: 4,
      kind: "confirm",
      posthoc: false,
      seeds: [fresh, fresh + 1, fresh + 2, fresh + 3],
      note: "confirm variant=proposed against variant=gaussian on fresh seeds",
    });
    expect((await opened.access.auditOf("alpha"))[0]).toMatchObject({ action: "sweep.confirm" });
    // Seeds the selection saw are refused, naming them; so is a top-up onto the confirmation's seeds.
    await expect(api.sweeps.confirm({ id, seeds: { seeds: [1, 2] } })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/^seeds: seeds 1–2 ran in this sweep already/),
    });
    await expect(api.sweeps.extend({ id, seeds: { seeds: [fresh] } })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/belongs to a confirmation stage/),
    });
    await expect(api.sweeps.confirm({ id, seeds: { more: 1 } })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });

  it("runs a sequential design in rounds: seeds only where the comparison is open, each round a planned revision", async () => {
    const { id: seq } = await api.sweeps.launch({
      yaml: `
name: sequential
project: alpha
search: { variant: [gaussian, proposed, supervised] }
seeds: { initial: 3, step: 2, max: 7 }
decide: { baseline: variant=gaussian }
`,
    });
    await waitFor(
      async () => (await api.sweeps.get({ id: seq })).status === "completed",
      "the sequential sweep",
      60_000,
    );
    const trials = await opened.store.listTrials(seq);
    const seedsOf = (variant: string) =>
      trials
        .filter((t) => t.config.variant === variant)
        .map((t) => t.seed)
        .sort((a, b) => a - b);
    // proposed is decided (far better) before max; supervised, within noise of the baseline, runs on
    expect(seedsOf("proposed").length).toBeLessThan(7);
    expect(seedsOf("supervised").length).toBeGreaterThan(seedsOf("proposed").length);
    expect(seedsOf("gaussian")).toEqual(seedsOf("supervised"));
    const revisions = await api.sweeps.revisions({ id: seq });
    expect(revisions[0]).toMatchObject({ kind: "submit", posthoc: false });
    expect(revisions.slice(1).every((r) => r.kind === "round" && !r.posthoc && r.by === "controller")).toBe(
      true,
    );
    expect(revisions.length).toBeGreaterThan(1);
    // the controller's log (what `sweep run` shows): the round each look queued for what it left open, and what the
    // look decided
    const said = controllerLog
      .filter((l) => l.startsWith(`sweep ${seq}: `))
      .map((l) => l.slice(seq.length + 8));
    expect(said[0]).toMatch(
      /^revision 2 \(round\) look 1: \d comparisons? still open, run to 5 seeds; queued \d+ trials?$/,
    );
    expect(said[1]).toMatch(/^look 1 taken \(variant=proposed: [^;]+; variant=supervised: [^;]+\)$/);
    // nothing in it is post hoc
    const table = await api.sweeps.compare({ id: seq, baseline: "variant=gaussian" });
    expect(table.posthocNote).toBeUndefined();
    // Finished, it takes a post-hoc top-up; while that runs, more seeds wait for it, and the refusal says so rather
    // than that the design still adds its own.
    let release = () => {};
    held.seeds.add(8);
    held.until = new Promise<void>((resolve) => {
      release = resolve;
    });
    const topped = await api.sweeps.extend({ id: seq, seeds: { more: 1 } });
    expect(topped).toMatchObject({ seeds: [8], revision: revisions.length + 1 });
    await expect(api.sweeps.confirm({ id: seq, seeds: { more: 2 } })).rejects.toMatchObject({
      code: "CONFLICT",
      message: `sweep ${seq} is running the trials its revision ${revisions.length + 1} (a top-up) added after its sequential design finished; add more once they have finished`,
    });
    release();
    held.seeds.clear();
    await waitFor(
      async () => (await api.sweeps.get({ id: seq })).status === "completed",
      "the top-up",
      60_000,
    );
    expect((await api.sweeps.confirm({ id: seq, seeds: { more: 2 }, dryRun: true })).trialCount).toBe(4);
  });

  it("runs a TPE search launched through the API, refusing added seeds until it has spent its budget", async () => {
    const { id: tpe } = await api.sweeps.launch({
      yaml: `
name: tpe
project: alpha
method: tpe
search: { nu: { distribution: loguniform, low: 3, high: 100 }, variant: [gaussian, proposed, supervised] }
budget: 12
seeds: 2
tpe: { startup: 3, parallel: 2 }
`,
    });
    // it proposes its own configurations on its seeds while it runs: a person's seeds would be run by every later one
    await expect(api.sweeps.extend({ id: tpe, seeds: { more: 1 } })).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(
        /runs a TPE search: it proposes configurations on its seeds until its budget \(12\)/,
      ),
    });
    await waitFor(
      async () => (await api.sweeps.get({ id: tpe })).status === "completed",
      "the TPE sweep",
      60_000,
    );
    const header = await api.sweeps.get({ id: tpe });
    expect(header.tpe).toEqual({
      budget: 12,
      proposed: 12,
      finished: 12,
      open: 0,
      left: 0,
      startup: 3,
      parallel: 2,
    });
    expect(header.trialCount).toBe(24);
    const revisions = await api.sweeps.revisions({ id: tpe });
    expect(revisions.map((r) => r.kind)).toEqual(["submit", ...new Array(10).fill("propose")]);
    // TPE learned what the scripted results say: proposed is far better than the others
    const ranking = await api.sweeps.ranking({ id: tpe });
    expect(ranking.configurations[0]!.config).toMatch(/variant=proposed/);
    // finished, it takes seeds for the configurations it proposed
    expect(await api.sweeps.extend({ id: tpe, seeds: { more: 1 } })).toMatchObject({ added: 12 });
  });

  it("composes TPE with a sequential design: the search proposes on its seeds, its best are decided on fresh seeds", async () => {
    const { id: composed } = await api.sweeps.launch({
      yaml: `
name: tpe-sequential
project: alpha
method: tpe
search: { nu: { distribution: loguniform, low: 3, high: 100 }, variant: [gaussian, proposed, supervised] }
budget: 8
seeds: { initial: 2, step: 2, max: 6 }
decide: { baseline: variant=gaussian nu=30, top: 2 }
tpe: { startup: 3, parallel: 2 }
`,
    });
    // while it searches there is no look, and a person's seeds are refused (the design adds its own)
    const searching = await api.sweeps.sequential({ id: composed });
    expect(searching).toMatchObject({ stage: "search", waiting: expect.stringMatching(/^searching: /) });
    await expect(api.sweeps.extend({ id: composed, seeds: { more: 1 } })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    await waitFor(
      async () => (await api.sweeps.get({ id: composed })).status === "completed",
      "the composed sweep",
      60_000,
    );
    const header = await api.sweeps.get({ id: composed });
    // the baseline the decision stage adds is not one of the search's configurations
    expect(header.tpe).toMatchObject({ budget: 8, proposed: 8, finished: 8, open: 0, left: 0 });
    expect(header.spec.seeds).toEqual([1, 2]);
    const revisions = await api.sweeps.revisions({ id: composed });
    const kinds = revisions.map((r) => r.kind);
    expect(kinds.slice(0, 7)).toEqual(["submit", ...new Array(6).fill("propose")]);
    expect(kinds.slice(7).length).toBeGreaterThan(0);
    expect(kinds.slice(7).every((k) => k === "round")).toBe(true);
    const stage = revisions[7]!;
    expect(stage).toMatchObject({ posthoc: false, by: "controller", seeds: [3, 4] });
    expect(stage.note).toMatch(
      /^decision stage: the best 2 of 8 configurations by mean balancedAccuracy on seeds 1–2 \(/,
    );

    // the family: the two best by their mean on the search seeds, and the baseline; only they run fresh seeds
    const trials = await opened.store.listTrials(composed);
    const results = await opened.store.listResults(composed);
    const search = trials.filter((t) => t.seed <= 2);
    const decision = trials.filter((t) => t.seed > 2);
    expect(new Set(search.map((t) => t.configKey)).size).toBe(8);
    const means = new Map<string, number[]>();
    for (const t of search)
      means.set(t.configKey, [
        ...(means.get(t.configKey) ?? []),
        results.get(t.id)!.metrics.test.balancedAccuracy,
      ]);
    const best = [...means]
      .map(([key, v]) => [key, v.reduce((a, b) => a + b, 0) / v.length] as const)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 2)
      .map(([key]) => key);
    const baselineTrials = decision.filter((t) => !means.has(t.configKey));
    expect(new Set(baselineTrials.map((t) => t.configLabel))).toEqual(
      new Set(["model.nu=30 variant=gaussian"]),
    );
    expect(new Set(decision.map((t) => t.configKey))).toEqual(
      new Set([...best, baselineTrials[0]!.configKey]),
    );
    expect(Math.min(...decision.map((t) => t.seed))).toBe(3);
    expect(Math.max(...decision.map((t) => t.seed))).toBeLessThanOrEqual(8);

    // decided by the design's looks on the fresh seeds alone: both chosen (proposed, far better) beat the baseline
    const decided = await api.sweeps.sequential({ id: composed });
    expect(decided?.stage).toBe("decision");
    expect(decided?.result?.rows.map((r) => r.decision)).toEqual(["better", "better"]);
    for (const r of decided!.result!.rows) expect(r.seeds).toBeLessThanOrEqual(6);
    // a person's seeds come after the decision seeds, not among them
    const plan = await api.sweeps.extend({ id: composed, seeds: { more: 1 }, dryRun: true });
    expect(plan.seeds).toEqual([9]);
  });

  it("runs a TPE search's decision stage in rounds on fresh seeds while its comparison is open, keeping the search's seeds", async () => {
    const { id: composed } = await api.sweeps.launch({
      yaml: `
name: tpe-sequential-rounds
project: alpha
method: tpe
search: { nu: { distribution: loguniform, low: 3, high: 100 }, variant: [gaussian, supervised] }
budget: 6
seeds: { initial: 2, step: 2, max: 6 }
decide: { baseline: variant=gaussian, top: 1 }
tpe: { startup: 2, parallel: 2 }
`,
    });
    await waitFor(
      async () => (await api.sweeps.get({ id: composed })).status === "completed",
      "the composed sweep",
      60_000,
    );
    const revisions = await api.sweeps.revisions({ id: composed });
    const rounds = revisions.filter((r) => r.kind === "round");
    // supervised is within noise of gaussian: the stage starts on seeds 3–4, then adds two at a time to both
    expect(rounds.length).toBeGreaterThan(1);
    expect(rounds[0]!.seeds).toEqual([3, 4]);
    expect(rounds[1]!.seeds).toEqual([3, 4, 5, 6]);
    const trials = await opened.store.listTrials(composed);
    const decision = trials.filter((t) => t.seed > 2);
    expect(new Set(decision.map((t) => t.configLabel.replace(/model\.nu=\S+ /, "")))).toEqual(
      new Set(["variant=gaussian", "variant=supervised"]),
    );
    expect((await api.sweeps.get({ id: composed })).spec.seeds).toEqual([1, 2]);
    const status = await api.sweeps.sequential({ id: composed });
    expect(status).toMatchObject({ stage: "decision", look: rounds.length - 1 });
    expect(status?.result?.rows).toHaveLength(1);
  });

  it("resumes a TPE search with a sequential design cancelled while it searches, and takes a decision look held by failed trials once they are retried", async () => {
    const yaml = `
name: tpe-sequential-faults
project: alpha
method: tpe
search: { nu: { distribution: loguniform, low: 3, high: 100 }, variant: [gaussian, proposed] }
budget: 4
seeds: { initial: 2, step: 1, max: 3 }
decide: { baseline: variant=gaussian, top: 1 }
tpe: { startup: 2, parallel: 1 }
`;
    failing.add(3);
    try {
      const { id: composed } = await api.sweeps.launch({ yaml });
      const get = () => api.sweeps.get({ id: composed });
      await api.sweeps.cancel({ id: composed });
      expect((await get()).status).toBe("cancelled");
      expect((await get()).tpe).toMatchObject({ proposed: 1, left: 3 });
      const resumed = await api.sweeps.resume({ id: composed });
      // resumed whether or not a trial was cancelled with it (a search between proposals has none), and audited
      expect(resumed.wasCancelled).toBe(true);
      expect((await opened.access.auditOf("alpha"))[0]).toMatchObject({
        action: "sweep.resume",
        target: composed,
        detail: { trials: resumed.resumed },
      });
      await waitFor(
        async () => (await get()).status !== "running",
        "the resumed search and its first look",
        60_000,
      );
      // the search went on to its budget; the decision stage's first seed (3) failed, so its look waits for a retry
      expect((await get()).tpe).toMatchObject({ proposed: 4, finished: 4, left: 0 });
      const held = await api.sweeps.sequential({ id: composed });
      expect(held).toMatchObject({
        stage: "decision",
        look: 0,
        waiting: expect.stringMatching(/failed or were cancelled; retry them/),
      });
      expect(held?.result).toBeUndefined();
      failing.clear();
      expect(await api.sweeps.retry({ id: composed })).toMatchObject({ retried: 2 });
      await waitFor(async () => (await get()).status === "completed", "the retried decision stage", 60_000);
      const decided = await api.sweeps.sequential({ id: composed });
      expect(decided?.stage).toBe("decision");
      expect(decided?.result?.rows).toHaveLength(1);
      expect(decided?.waiting).toBeUndefined();
      // still one decision stage: a retry started no second one
      const rounds = (await api.sweeps.revisions({ id: composed })).filter((r) => r.kind === "round");
      expect(rounds[0]!.seeds).toEqual([3, 4]);
      expect(new Set(rounds.map((r) => r.note?.startsWith("decision stage")))).toEqual(
        new Set(rounds.length > 1 ? [true, false] : [true]),
      );
    } finally {
      failing.clear();
    }
  });

  it("refuses added seeds for a cancelled TPE search with proposals left: resumed, it would propose on them", async () => {
    const { id: tpe } = await api.sweeps.launch({
      yaml: `
name: tpe-cancelled
project: alpha
method: tpe
search: { nu: { distribution: loguniform, low: 3, high: 100 }, variant: [gaussian, proposed] }
budget: 6
seeds: 2
tpe: { startup: 2, parallel: 1 }
`,
    });
    await api.sweeps.cancel({ id: tpe });
    const header = await api.sweeps.get({ id: tpe });
    expect(header.status).toBe("cancelled");
    expect(header.tpe!.left).toBeGreaterThan(0);
    const refusal = {
      code: "CONFLICT",
      cause: expect.objectContaining({ code: "TPE_SEARCH_RUNNING" }),
      message: expect.stringMatching(
        /it is cancelled, with \d configurations? still to propose when it is resumed/,
      ),
    };
    // the store refuses a revision of a cancelled sweep too (SWEEP_CANCELLED), but a dry run planned one, and the
    // reason a person needs is the search's: resuming would not make these seeds welcome
    await expect(api.sweeps.extend({ id: tpe, seeds: { more: 1 }, dryRun: true })).rejects.toMatchObject(
      refusal,
    );
    await expect(api.sweeps.extend({ id: tpe, seeds: { more: 1 } })).rejects.toMatchObject(refusal);
    await expect(api.sweeps.confirm({ id: tpe, seeds: { more: 2 }, dryRun: true })).rejects.toMatchObject(
      refusal,
    );
    expect((await opened.store.getSweep(tpe))!.spec.seeds).toEqual([1, 2]);
    // resumed, it proposes the rest of its budget on its own two seeds, and then takes more
    await api.sweeps.resume({ id: tpe });
    await waitFor(
      async () => (await api.sweeps.get({ id: tpe })).status === "completed",
      "the resumed TPE sweep",
      60_000,
    );
    expect((await api.sweeps.get({ id: tpe })).tpe).toMatchObject({ proposed: 6, left: 0 });
    expect(new Set((await opened.store.listTrials(tpe)).map((t) => t.seed))).toEqual(new Set([1, 2]));
    expect(await api.sweeps.extend({ id: tpe, seeds: { more: 1 } })).toMatchObject({ added: 6 });
  });

  it("refuses bad seeds naming the field, a viewer, and a read-only dashboard", async () => {
    await expect(api.sweeps.extend({ id, seeds: { seeds: [1, 1.5] } })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/seeds/),
    });
    await expect(api.sweeps.extend({ id, seeds: { toPower: 1 } })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    const user = await opened.access.createUser({ email: "vic@example.org", name: "vic" });
    await opened.access.setRole("alpha", user.id, "viewer");
    const viewer = createCaller({
      store: opened.store,
      launcher: controller,
      access: opened.access,
      caller: memberCaller(user.id, "vic", await opened.access.membershipsOf(user.id)),
    });
    await expect(viewer.sweeps.retry({ id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(viewer.sweeps.extend({ id, seeds: { more: 1 } })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(viewer.sweeps.confirm({ id, seeds: { more: 2 } })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const readOnly = createCaller({ store: opened.store, caller: LOCAL_CALLER });
    await expect(readOnly.sweeps.resume({ id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    // a launch's dry run refuses what the launch would, and says the same
    await expect(viewer.sweeps.checkLaunch({ yaml: sweepYaml })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(readOnly.sweeps.checkLaunch({ yaml: sweepYaml })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });

  it("refuses added seeds whose built-in split a trial cannot draw, dry run or not, adding nothing", async () => {
    // MNIST's class 5 has 5,421 images; a random class order puts it at the head at seed 12, not at seeds 1–3.
    const yaml = `${sweepYaml.replace("revisions", "short")}dataset: { headCount: 5500, classOrder: random, imbalanceRatio: 10 }\n`;
    const { id: short } = await api.sweeps.launch({ yaml });
    await waitFor(
      async () => (await api.sweeps.get({ id: short })).status !== "running",
      "the sweep",
      60_000,
    );
    const trials = (await api.sweeps.trials({ id: short })).length;
    const refusal =
      "seeds: headCount 5500 on mnist-2view (dataset.headCount) is more than its data allows at seed 12 (1 of the 3 seeds " +
      'to add): class 5 ("5") would need 5500 training rows (550 labeled + 4950 unlabeled) and mnist-2view has 5421; add ' +
      "other seeds: with classOrder random each seed puts another class at the head";
    for (const dryRun of [true, false]) {
      await expect(
        api.sweeps.extend({ id: short, seeds: { seeds: [10, 11, 12] }, dryRun }),
      ).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: refusal,
      });
      await expect(
        api.sweeps.confirm({ id: short, seeds: { seeds: [10, 11, 12] }, top: 1, dryRun }),
      ).rejects.toMatchObject({ code: "BAD_REQUEST", message: refusal });
    }
    expect((await api.sweeps.trials({ id: short })).length).toBe(trials);
    expect(await api.sweeps.extend({ id: short, seeds: { seeds: [10, 11] }, dryRun: true })).toMatchObject({
      trialCount: 6,
      failingTrials: 0,
    });
    // A sweep stored before launches checked this, one configuration short at every seed (its trials fail at load;
    // these scripted ones do not load data): the rest of it can still grow, that one's new trials failing as its others.
    const doomed = await controller.submit(
      parseSweepFile({
        name: "stored-short",
        project: "alpha",
        search: { variant: ["gaussian", "proposed"], "dataset.headCount": [500, 6000] },
        dataset: { classOrder: "natural" },
        seeds: 2,
      }),
    );
    await waitFor(
      async () => (await api.sweeps.get({ id: doomed.id })).status !== "running",
      "the sweep",
      60_000,
    );
    // said before they are queued: the short configuration's 2 new trials (one per variant) will fail
    expect(await api.sweeps.extend({ id: doomed.id, seeds: { seeds: [3] }, dryRun: true })).toMatchObject({
      trialCount: 4,
      failingTrials: 2,
    });
    expect(await api.sweeps.extend({ id: doomed.id, seeds: { seeds: [3] } })).toMatchObject({
      added: 4,
      failingTrials: 2,
    });
    // seeds it has already count for nothing: seed 3 is stored now, seed 4 new
    expect(await api.sweeps.extend({ id: doomed.id, seeds: { seeds: [3, 4] }, dryRun: true })).toMatchObject({
      trialCount: 4,
      failingTrials: 2,
    });
    // a confirmation of the short configuration against the other: its 2 fresh trials fail, the baseline's do not
    expect(
      await api.sweeps.confirm({
        id: doomed.id,
        seeds: { seeds: [20, 21] },
        configs: ["dataset.headCount=6000 variant=proposed"],
        baseline: "dataset.headCount=500 variant=proposed",
        dryRun: true,
      }),
    ).toMatchObject({ trialCount: 4, failingTrials: 2 });
    // one stored before launches refused a class order that is no permutation: every trial fails as it loads, counted
    const misordered = parseSweepFile({
      name: "stored-misordered",
      project: "alpha",
      search: { variant: ["gaussian", "proposed"] },
      seeds: 1,
    });
    const { id: misorderedId } = await controller.submit({
      ...misordered,
      dataset: { ...misordered.dataset, classOrder: [5, 5, 1, 2, 3, 4, 6, 7, 8, 9] },
    });
    await waitFor(
      async () => (await api.sweeps.get({ id: misorderedId })).status !== "running",
      "the sweep",
      60_000,
    );
    expect(
      await api.sweeps.extend({ id: misorderedId, seeds: { seeds: [2, 3] }, dryRun: true }),
    ).toMatchObject({
      trialCount: 4,
      failingTrials: 4,
    });
    // Its file, launched again, finds it and queues nothing; checked, it is said as stored; as a new sweep, refused.
    const oldYaml =
      "name: stored-short-file\nproject: alpha\nsearch: { variant: [gaussian, proposed], dataset.headCount: [500, 6000] }\nseeds: 2\n";
    const oldSpec = parseSweepFile(parseYaml(oldYaml));
    await controller.submit(oldSpec, sweepIdFor(oldSpec));
    expect(await api.sweeps.launch({ yaml: oldYaml, reuse: true })).toEqual({
      id: sweepIdFor(oldSpec),
      trialCount: 8,
      existing: true,
    });
    expect(await api.sweeps.checkLaunch({ yaml: oldYaml, reuse: true })).toMatchObject({
      existing: { id: sweepIdFor(oldSpec), trialCount: 8 },
    });
    for (const reuse of [true, false])
      await expect(
        api.sweeps.checkLaunch({ yaml: oldYaml.replace("stored-short-file", "new-short-file"), reuse }),
      ).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: expect.stringContaining("6000 on mnist-2view"),
      });
    await expect(api.sweeps.launch({ yaml: oldYaml })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("checks a launch as the launch would and says what it would queue, storing nothing", async () => {
    const before = (await api.sweeps.list({})).length;
    const sequential = `${sweepYaml.replace("revisions", "checked").replace("seeds: 3", "seeds: { initial: 3, step: 2, max: 7 }")}decide: { baseline: variant=gaussian, metric: balancedAccuracy }\n`;
    expect(await api.sweeps.checkLaunch({ yaml: sequential, reuse: true })).toEqual({
      project: "alpha",
      name: "checked",
      trialCount: 9,
      atMost: 21,
      summary: "Up to 21 trials (grid: 3 configurations × 3 to 7 seeds, more where a comparison is open).",
      gpuTrials: 0,
      warnings: [],
      existing: null,
    });
    expect((await api.sweeps.list({})).length).toBe(before);
    // the file's sweep once it is stored, with reuse; without, a new one
    const { id: stored } = await api.sweeps.launch({ yaml: sequential, reuse: true });
    await waitFor(
      async () => (await api.sweeps.get({ id: stored })).status !== "running",
      "the sweep",
      60_000,
    );
    expect(await api.sweeps.checkLaunch({ yaml: sequential, reuse: true })).toMatchObject({
      existing: { id: stored, status: "completed", trialCount: expect.any(Number) },
    });
    expect(await api.sweeps.checkLaunch({ yaml: sequential })).toMatchObject({ existing: null });
    // every problem of a bad file, as the launch says them
    const bad = `${sweepYaml}seeds: 0\nmethod: bayes\n`.replace("seeds: 3\n", "");
    const refusal = await api.sweeps.checkLaunch({ yaml: bad }).catch((e: unknown) => e);
    expect(refusal).toMatchObject({ code: "BAD_REQUEST" });
    expect(await api.sweeps.launch({ yaml: bad }).catch((e: unknown) => e)).toMatchObject({
      code: "BAD_REQUEST",
      message: (refusal as Error).message,
    });
    expect((refusal as Error).message.split("\n")).toHaveLength(2);
    expect((await api.sweeps.list({})).length).toBe(before + 1);
  });
});
