// Event ingest: how many per-epoch metric events per second the controller persists from NATS JetStream into
// PostgreSQL, writing them one at a time (maxBatch 1) and in batches (maxBatch 256), in the same script; then how
// many trial outcomes (result events of claimed trials, each a transaction) it settles per second from a backlog.
// Needs PostgreSQL (TEST_DATABASE_URL or the local trust default) and NATS with JetStream (NATS_URL or local).
// Usage: node --import tsx bench/event-ingest.ts [events=5000] [results=1000]
// (targets: ≥ 5,000 epoch events/s batched; ≥ 200 trial outcomes/s)
import { Controller } from "@tailsweep/controller";
import { parseSweepFile } from "@tailsweep/schemas";
import pg from "pg";
import { freshDeployment } from "./deployment";

const total = Number(process.argv[2] ?? 5000);
const results = Number(process.argv[3] ?? 1000);

async function measure(maxBatch: number): Promise<number> {
  const deployment = await freshDeployment(`ingest_${maxBatch}`, `ingest${process.pid}x${maxBatch}`);
  const { opened, bus } = deployment;
  try {
    const trials = 50;
    const spec = parseSweepFile({
      name: "ingest",
      seeds: trials,
    });
    // Stored without a controller: the trial rows must exist for the epochs' foreign keys.
    const controllerForSubmit = new Controller(opened.store, bus);
    const sweep = await controllerForSubmit.submit(spec, `ingest-${maxBatch}`);
    const ids = (await opened.store.listTrials(sweep.id)).map((t) => t.id);
    const epochsPerTrial = Math.ceil(total / ids.length);
    const loss = { total: 1, labeled: 0.5, unlabeled: 0.3, classification: 0.2 };
    const pending: Promise<void>[] = [];
    for (let e = 1; e <= epochsPerTrial; e++) {
      for (const trialId of ids) {
        pending.push(
          bus.publishEvent({ type: "epoch", trialId, attempt: 1, metric: { epoch: e, loss, seconds: 0.1 } }),
        );
        if (pending.length >= 500) await Promise.all(pending.splice(0));
      }
    }
    await Promise.all(pending);
    const expected = epochsPerTrial * ids.length;
    const counter = new pg.Client({ connectionString: deployment.databaseUrl });
    await counter.connect();
    const start = performance.now();
    const controller = new Controller(opened.store, bus, { maxBatch, reapEveryMs: 60_000 });
    await controller.start();
    for (;;) {
      const { rows } = await counter.query<{ n: string }>("SELECT count(*) AS n FROM epoch_metric");
      if (Number(rows[0]!.n) >= expected) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - start) / 1000;
    await controller.stop();
    await counter.end();
    return expected / seconds;
  } finally {
    await deployment.drop();
  }
}

/** Trial outcomes settled per second: `results` claimed trials whose result events wait in the stream. */
async function measureResults(): Promise<number> {
  const deployment = await freshDeployment("ingest_results", `results${process.pid}`);
  const { opened, bus } = deployment;
  try {
    const spec = parseSweepFile({ name: "results", seeds: results });
    const sweep = await new Controller(opened.store, bus).submit(spec, "ingest-results");
    const ids = (await opened.store.listTrials(sweep.id)).map((t) => t.id);
    for (const id of ids) await opened.store.claimTrial(id, "bench", new Date(), "cpu");
    const test = { n: 1, accuracy: 0.5, balancedAccuracy: 0.5, macroF1: 0.5, gMean: 0.5 };
    const metrics = {
      test: { ...test, perClassRecall: [0.5], perClassPrecision: [0.5], confusion: [[1]] },
      minorityRecall: 0.5,
      minorityClasses: [0],
      perModality: [],
    };
    const result = { metrics, backend: "cpu", seconds: 0.1 };
    for (let i = 0; i < ids.length; i += 500)
      await Promise.all(
        ids
          .slice(i, i + 500)
          .map((trialId) =>
            bus.publishEvent({ type: "result", trialId, attempt: 1, at: new Date().toISOString(), result }),
          ),
      );
    const counter = new pg.Client({ connectionString: deployment.databaseUrl });
    await counter.connect();
    const start = performance.now();
    const controller = new Controller(opened.store, bus, { reapEveryMs: 60_000 });
    await controller.start();
    for (;;) {
      const { rows } = await counter.query<{ n: string }>(
        "SELECT count(*) AS n FROM trial WHERE state = 'succeeded'",
      );
      if (Number(rows[0]!.n) >= ids.length) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - start) / 1000;
    await controller.stop();
    await counter.end();
    return ids.length / seconds;
  } finally {
    await deployment.drop();
  }
}

console.log(`load: ${(await import("node:fs")).readFileSync("/proc/loadavg", "utf8").trim()}`);
const single = await measure(1);
const batched = await measure(256);
console.log(`event ingest, ${total} epoch events, NATS JetStream → controller → PostgreSQL`);
console.log(`one at a time   ${single.toFixed(0).padStart(7)} events/s`);
console.log(
  `batches of 256  ${batched.toFixed(0).padStart(7)} events/s   ratio ${(batched / single).toFixed(1)}×`,
);
const outcomes = await measureResults();
console.log(
  `trial outcomes  ${outcomes.toFixed(0).padStart(7)} results/s (a backlog of ${results}; target ≥ 200)`,
);
process.exit(0);
