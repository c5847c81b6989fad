// Event ingest: how many per-epoch metric events per second the controller persists from NATS JetStream into
// PostgreSQL, writing them one at a time (maxBatch 1) and in batches (maxBatch 256), in the same script.
// Needs PostgreSQL (TEST_DATABASE_URL or the local trust default) and NATS with JetStream (NATS_URL or local).
// Usage: node --import tsx bench/event-ingest.ts [events=5000]   (target: ≥ 5,000 events/s batched)
import { Controller } from "@tailsweep/controller";
import { parseSweepFile } from "@tailsweep/schemas";
import pg from "pg";
import { freshDeployment } from "./deployment";

const total = Number(process.argv[2] ?? 5000);

async function measure(maxBatch: number): Promise<number> {
  const deployment = await freshDeployment(`ingest_${maxBatch}`, `ingest${process.pid}x${maxBatch}`);
  const { opened, bus } = deployment;
  try {
    const trials = 50;
    const spec = parseSweepFile({
      name: "ingest",
      search: { "train.seed": Array.from({ length: trials }, (_, i) => i + 1) },
      seeds: [1],
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

const single = await measure(1);
const batched = await measure(256);
console.log(`event ingest, ${total} epoch events, NATS JetStream → controller → PostgreSQL`);
console.log(`one at a time   ${single.toFixed(0).padStart(7)} events/s`);
console.log(
  `batches of 256  ${batched.toFixed(0).padStart(7)} events/s   ratio ${(batched / single).toFixed(1)}×`,
);
process.exit(0);
