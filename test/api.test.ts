// The dashboard's tRPC procedures on real PostgreSQL, with the real controller as launcher and a real worker
// training a tiny sweep in process.

import { compareSweep } from "@tailsweep/analysis";
import { appRouter, createCaller, LOCAL_CALLER } from "@tailsweep/api";
import { InProcessBus } from "@tailsweep/bus";
import { Controller } from "@tailsweep/controller";
import { openRunStore } from "@tailsweep/db";
import { initBackend } from "@tailsweep/model";
import { Worker } from "@tailsweep/worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "./fresh-database";

const sweepYaml = `
name: api
project: dashboard
dataset: { name: mnist-2view, headCount: 60, testPerClass: 10, imbalanceRatio: 10, labelRatio: 0.2 }
model: { encoderWidths: [8], decoderWidths: [8], classifierWidths: [8], latentDim: 2 }
train: { epochs: 2, maxStepsPerEpoch: 2, evalEvery: 1, labeledBatchSize: 8, unlabeledBatchSize: 8 }
search: { variant: [proposed, gaussian], nu: [5, 30] }
seeds: 2
`;

describe("tRPC API on PostgreSQL", { timeout: 300_000 }, () => {
  let cleanup: (() => Promise<void>)[] = [];
  let api: ReturnType<typeof createCaller>;
  let readOnly: ReturnType<typeof createCaller>;
  let store: Awaited<ReturnType<typeof openRunStore>>["store"];

  beforeAll(async () => {
    const db = await freshDatabase("api");
    const opened = await openRunStore({ databaseUrl: db.url });
    store = opened.store;
    const bus = new InProcessBus();
    const controller = new Controller(store, bus);
    await controller.start();
    const worker = new Worker(bus, { id: "api-worker", backend: await initBackend({ prefer: "cpu" }) });
    await worker.start();
    api = createCaller({ store, launcher: controller, caller: LOCAL_CALLER });
    readOnly = createCaller({ store, caller: LOCAL_CALLER });
    cleanup = [
      () => worker.stop(),
      () => controller.stop(),
      () => bus.close(),
      () => opened.close(),
      db.drop,
    ];
  });
  afterAll(async () => {
    for (const f of cleanup) await f();
  });

  it("refuses a bad sweep with every bad field named, storing nothing", async () => {
    const bad = api.sweeps.launch({ yaml: "name: bad\nsearch: { nu: [5, 1.5], lr: [0.1] }\nseeds: 2\n" });
    await expect(bad).rejects.toThrow(/search\.nu\[1\]: must be > 2, got 1\.5\n/);
    await expect(bad).rejects.toThrow(/search\.lr: unknown knob/);
    await expect(bad).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(await api.sweeps.list()).toEqual([]);
    await expect(readOnly.sweeps.launch({ yaml: sweepYaml })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("launches a sweep, then lists, reads, compares and opens its trials", async () => {
    const { id, trialCount } = await api.sweeps.launch({ yaml: sweepYaml });
    expect(trialCount).toBe(8);
    for (let i = 0; (await api.sweeps.get({ id })).status !== "completed"; i++) {
      if (i > 600) throw new Error("sweep did not finish");
      await new Promise((r) => setTimeout(r, 100));
    }
    const [listed] = await api.sweeps.list({ project: "dashboard" });
    expect(listed).toMatchObject({ id, status: "completed", counts: { succeeded: 8 }, best: { seeds: 2 } });
    expect(await api.sweeps.list({ search: "no such" })).toEqual([]);
    expect(await api.projects()).toEqual([{ name: "dashboard", sweeps: 1 }]);

    const trials = await api.sweeps.trials({ id });
    expect(new Set(trials.map((t) => t.config))).toEqual(
      new Set([
        "model.nu=5 variant=gaussian",
        "model.nu=5 variant=proposed",
        "model.nu=30 variant=gaussian",
        "model.nu=30 variant=proposed",
      ]),
    );
    expect(trials.every((t) => t.gpu === false)).toBe(true); // the sweep asks for no GPU
    expect(trials.every((t) => typeof t.test?.balancedAccuracy === "number")).toBe(true);

    const table = await api.sweeps.compare({ id, baseline: "model.nu=5 variant=gaussian" });
    // the analysis's table, with the whole id of the sweep it was asked by (a prefix will do)
    expect(table).toEqual({
      id,
      ...(await compareSweep(store, (await store.getSweep(id))!, {
        baseline: "model.nu=5 variant=gaussian",
      })),
    });
    const proposed = table.rows.find((r) => r.config === "model.nu=5 variant=proposed")!;
    expect(proposed.vsBaseline!.comparison!.method).toBe("paired");
    await expect(api.sweeps.compare({ id, baseline: "variant=mixture" })).rejects.toThrow(
      /matches no configuration/,
    );
    await expect(api.sweeps.compare({ id, baseline: "variant=gaussian" })).rejects.toThrow(
      /matches 2 configurations/,
    );

    // heatmap ν × variant: four cells of two seeds each, axes in order
    const heat = await api.sweeps.heatmap({ id, x: "model.nu", y: "variant" });
    expect(heat.xValues).toEqual(["5", "30"]);
    expect(heat.yValues).toEqual(["gaussian", "proposed"]);
    expect(heat.cells).toHaveLength(4);
    expect(heat.cells.every((c) => c.n === 2)).toBe(true);
    await expect(api.sweeps.heatmap({ id, x: "model.gamma", y: "variant" })).rejects.toThrow(
      /x: 'model.gamma' is not a swept parameter of this sweep; swept: .*model.nu/,
    );

    // learning curves: four configurations, epochs 1–2, each point the mean of 2 seeds with its t interval
    const curves = await api.sweeps.curves({ id, metric: "test.balancedAccuracy" });
    expect(curves.configs).toHaveLength(4);
    expect(curves.configs[0]!.points.map((p) => [p.epoch, p.n])).toEqual([
      [1, 2],
      [2, 2],
    ]);
    await expect(api.sweeps.curves({ id, metric: "loss.bogus" as never })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    // per class: 10 classes, recall over 2 seeds, the averaged confusion matrix, pseudo-label recall
    const perClass = await api.sweeps.perClass({ id });
    expect(perClass).toHaveLength(4);
    expect(perClass[0]!.recall).toHaveLength(10);
    expect(perClass[0]!.recall[0]!.n).toBe(2);
    expect(perClass[0]!.confusion.mean).toHaveLength(10);
    expect(perClass[0]!.pseudoLabelRecall).toHaveLength(10);

    const one = await api.trials.get({ id: trials[0]!.id });
    expect(one.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(one.result!.metrics).toHaveProperty("test.confusion");
    expect(one.provenance).toHaveProperty("gitCommit");
    expect(await api.workers()).toEqual([
      expect.objectContaining({ id: "api-worker", backend: "cpu", status: "online" }),
    ]);
    // the sweep page's header: progress with nothing left to estimate, and the worker that ran every trial
    const header = await api.sweeps.get({ id });
    expect(header.progress).toMatchObject({ total: 8, done: 8, etaSeconds: null });
    expect(header.progress.elapsedSeconds).toBeGreaterThan(0);
    expect(header.workers).toEqual([
      {
        id: "api-worker",
        host: expect.any(String),
        backend: "cpu",
        gpu: null,
        status: "online",
        running: 0,
        finished: 8,
      },
    ]);
    // nothing in this sweep asks for a GPU, and no worker takes GPU trials
    expect(header.gpu).toEqual({ trials: 0, waiting: 0, workersOnline: 0 });
    // what the cross-sweep page offers: each configuration with its seeds and the objective's seed mean
    const [catalogued] = await api.runs.catalog({ project: "dashboard" });
    expect(catalogued!.id).toBe(id);
    expect(catalogued!.configs.map((c) => c.config).sort()).toEqual(
      [...new Set(trials.map((t) => t.config))].sort(),
    );
    expect(catalogued!.configs[0]).toMatchObject({ seeds: 2, mean: expect.any(Number) });

    // the export, streamed (what the CLI reads) and whole (what clients from before the stream read): the same file
    const stream = await api.sweeps.exportStream({ id, format: "csv" });
    let streamed = "";
    let result = await stream.next();
    for (; !result.done; result = await stream.next()) streamed += result.value;
    expect(result.value).toBe(8);
    const whole = await api.sweeps.export({ id, format: "csv" });
    expect(whole).toMatchObject({ trials: 8, contentType: "text/csv; charset=utf-8" });
    expect(whole.text).toBe(streamed);
    expect(streamed.trim().split("\n")).toHaveLength(9);
  });

  it("compares runs across sweeps on matched seeds, and a rerun of a configuration reproduces its numbers", async () => {
    const [first] = await api.sweeps.list({ project: "dashboard" });
    const again = await api.sweeps.launch({
      yaml: sweepYaml
        .replace("name: api", "name: rerun")
        .replace("variant: [proposed, gaussian], nu: [5, 30]", "variant: [gaussian], nu: [5]"),
    });
    for (let i = 0; (await api.sweeps.get({ id: again.id })).status !== "completed"; i++) {
      if (i > 600) throw new Error("sweep did not finish");
      await new Promise((r) => setTimeout(r, 100));
    }
    const table = await api.runs.compare({
      groups: [
        { sweepId: again.id },
        { sweepId: first!.id, config: "model.nu=5 variant=gaussian" },
        { sweepId: first!.id, config: "model.nu=5 variant=proposed" },
      ],
    });
    expect(table.baseline).toBe("dashboard/rerun: model.nu=5 variant=gaussian");
    const same = table.rows.find((r) => r.config === "dashboard/api: model.nu=5 variant=gaussian")!;
    // same config, same seeds, same data: seeded training gives the same numbers in another sweep
    expect(same.vsBaseline!.comparison).toMatchObject({ method: "paired", n: 2, meanDiff: 0 });
    await expect(
      api.runs.compare({
        groups: [{ sweepId: first!.id, config: "variant=gaussian" }, { sweepId: again.id }],
      }),
    ).rejects.toThrow(/groups\[0\]\.config: 'variant=gaussian' matches 2 configurations/);
  });

  it("answers NOT_FOUND for unknown ids", async () => {
    await expect(api.sweeps.get({ id: "nope" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(api.sweeps.cancel({ id: "nope" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(api.trials.get({ id: "nope" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    // every unknown sweep of a comparison at once, by its first group, not the first alone
    const both = api.runs.compare({
      groups: [{ sweepId: "nope" }, { sweepId: "nope" }, { sweepId: "gone" }],
    });
    await expect(both).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(both).rejects.toThrow(
      "groups[0].sweepId: no sweep with id nope\ngroups[2].sweepId: no sweep with id gone",
    );
    expect(Object.keys(appRouter._def.procedures)).toContain("sweeps.compare");
  });

  it("refuses oversized, wrongly typed and injected input on every procedure, naming the field, changing nothing", async () => {
    const before = (await api.sweeps.list()).map((s) => s.id);
    const long = (n: number) => "x".repeat(n);
    const cases: [string, Promise<unknown>, RegExp][] = [
      ["sweeps.list", api.sweeps.list({ search: long(2_001) }), /input\.search: must be at most 2000/],
      ["sweeps.list", api.sweeps.list({ status: "done" as never }), /input\.status/],
      ["sweeps.get", api.sweeps.get({ id: long(129) }), /input\.id: must be at most 128/],
      ["sweeps.get", api.sweeps.get({ id: "" }), /input\.id: must not be empty/],
      ["sweeps.get", api.sweeps.get({ id: 7 as never }), /input\.id/],
      ["sweeps.trials", api.sweeps.trials({ id: "a", extra: true } as never), /extra/],
      ["sweeps.compare", api.sweeps.compare({ id: "a", alpha: 2 }), /input\.alpha/],
      [
        "sweeps.compare",
        api.sweeps.compare({ id: "a", metric: long(201) }),
        /input\.metric: must be at most 200/,
      ],
      ["sweeps.heatmap", api.sweeps.heatmap({ id: "a", x: "", y: "b" }), /input\.x/],
      ["sweeps.curves", api.sweeps.curves({ id: "a", metric: "rm -rf" as never }), /input\.metric/],
      ["sweeps.perClass", api.sweeps.perClass({ id: long(500) }), /input\.id/],
      ["sweeps.launch", api.sweeps.launch({ yaml: long(256 * 1024 + 1) }), /must be at most 256 kB/],
      ["sweeps.launch", api.sweeps.launch({ yaml: "name: x", spec: {} } as never), /input/],
      [
        "sweeps.launch",
        api.sweeps.launch({ yaml: 'name: "x\'; DROP TABLE sweep; --"\nproject: "a b"\nseeds: 1\n' }),
        /project/,
      ],
      ["sweeps.cancel", api.sweeps.cancel({ id: ["a"] as never }), /input\.id/],
      ["trials.get", api.trials.get({ id: long(129) }), /input\.id/],
      ["runs.catalog", api.runs.catalog({ project: long(201) }), /input\.project/],
      [
        "runs.compare",
        api.runs.compare({ groups: [{ sweepId: "", config: "a" }] }),
        /input\.groups\.0\.sweepId|groups/,
      ],
      ["audit.list", api.audit.list({ limit: 1_000_000 }), /input\.limit/],
      ["members.list", api.members.list({ project: "" }), /input\.project/],
      ["tokens.create", api.tokens.create({ project: "p", name: "n", days: -1 }), /input\.days/],
    ];
    for (const [procedure, call, message] of cases)
      await expect(call, procedure).rejects.toMatchObject({ code: "BAD_REQUEST", message });
    expect((await api.sweeps.list()).map((s) => s.id)).toEqual(before);
  });
});
