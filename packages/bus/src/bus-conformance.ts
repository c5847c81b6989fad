import { resolveRunConfig } from "@tailsweep/schemas";
import { describe, expect, it } from "vitest";
import type { Bus, TrialDelivery } from "./bus";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await sleep(20);
  }
}

/**
 * The behaviour every Bus must have. `makeBus` gives a fresh, isolated bus whose trial ack-wait is `ackWaitMs`;
 * the suite closes it.
 */
export function describeBusConformance(name: string, makeBus: (ackWaitMs: number) => Promise<Bus>): void {
  const trial = (n: number) => ({ trialId: `sw:${n}`, sweepId: "sw" });

  describe(`Bus conformance: ${name}`, () => {
    it("delivers each queued trial once and drops a duplicate publish", async () => {
      const bus = await makeBus(5_000);
      expect((await bus.publishTrial(trial(1), "sw:1#1")).duplicate).toBe(false);
      expect((await bus.publishTrial(trial(1), "sw:1#1")).duplicate).toBe(true);
      await bus.publishTrial(trial(2), "sw:2#1");
      const seen: string[] = [];
      const sub = await bus.consumeTrials(async (d) => {
        seen.push(d.message.trialId);
        await d.ack();
      });
      await until(() => seen.length === 2);
      await sleep(300);
      expect(seen.sort()).toEqual(["sw:1", "sw:2"]);
      await sub.stop();
      await bus.close();
    });

    it("redelivers an unacked trial after ack-wait, unless working() keeps it", async () => {
      // ack-wait 3 s against progress every 300 ms: a margin that survives a busy machine's late timers (at 2 s a
      // clean-clone CI run under other load once saw the busy trial redelivered).
      const bus = await makeBus(3_000);
      await bus.publishTrial(trial(1), "a");
      await bus.publishTrial(trial(2), "b");
      const deliveries: TrialDelivery[] = [];
      let keepAlive: NodeJS.Timeout | undefined;
      const sub = await bus.consumeTrials(
        async (d) => {
          deliveries.push(d);
          if (d.message.trialId === "sw:2") {
            // the busy worker: reports progress for 7.5 s (2.5 ack-waits), then acks
            keepAlive = setInterval(() => d.working(), 300);
            await sleep(7_500);
            clearInterval(keepAlive);
            await d.ack();
          }
          // sw:1: the worker "dies" — never acks
        },
        { concurrency: 4 },
      );
      await until(() => deliveries.filter((d) => d.message.trialId === "sw:1").length >= 2, 15_000);
      const again = deliveries.filter((d) => d.message.trialId === "sw:1")[1]!;
      // ≥ 2, not = 2: JetStream counts a delivery to a pull request that expired on the client's side just before.
      expect(again.deliveryCount).toBeGreaterThanOrEqual(2);
      await again.ack();
      await sleep(4_500);
      expect(deliveries.filter((d) => d.message.trialId === "sw:2")).toHaveLength(1);
      await sub.stop();
      await bus.close();
    });

    it("gives GPU trials only to GPU consumers, which prefer them and take CPU trials too", async () => {
      const bus = await makeBus(5_000);
      const cpu = (n: number) => ({ trialId: `c${n}`, sweepId: "sw" });
      const gpu = (n: number) => ({ trialId: `g${n}`, sweepId: "sw", gpu: true as const });
      for (const m of [cpu(1), gpu(1), gpu(2), cpu(2)]) await bus.publishTrial(m, m.trialId);
      const taken = (into: string[]) => async (d: TrialDelivery) => {
        into.push(d.message.trialId);
        await d.ack();
      };
      const byCpu: string[] = [];
      const cpuOnly = await bus.consumeTrials(taken(byCpu), { kinds: ["cpu"] });
      await until(() => byCpu.length === 2);
      await sleep(1_500); // long enough for a misrouted GPU trial to show up
      await cpuOnly.stop();
      expect(byCpu.sort()).toEqual(["c1", "c2"]);
      // Both kinds waiting: the GPU consumer takes its own kind first, then the CPU trial.
      await bus.publishTrial(cpu(3), "c3");
      const byGpu: string[] = [];
      const gpuWorker = await bus.consumeTrials(taken(byGpu), { kinds: ["gpu", "cpu"] });
      await until(() => byGpu.length === 3);
      expect(byGpu.slice(0, 2).sort()).toEqual(["g1", "g2"]);
      expect(byGpu[2]).toBe("c3");
      await gpuWorker.stop();
      await bus.close();
    });

    it("runs up to `concurrency` trials at once", async () => {
      const bus = await makeBus(10_000);
      for (let i = 0; i < 4; i++) await bus.publishTrial(trial(i), `c${i}`);
      let active = 0;
      let peak = 0;
      let done = 0;
      const sub = await bus.consumeTrials(
        async (d) => {
          active++;
          peak = Math.max(peak, active);
          await sleep(300);
          active--;
          done++;
          await d.ack();
        },
        { concurrency: 2 },
      );
      await until(() => done === 4);
      expect(peak).toBe(2);
      await sub.stop();
      await bus.close();
    });

    it("keeps events until the controller has handled them, in order, retrying a failed handler", async () => {
      const bus = await makeBus(5_000);
      const at = new Date(0).toISOString();
      for (let i = 0; i < 5; i++)
        await bus.publishEvent({ type: "heartbeat", trialId: `t${i}`, attempt: 1, workerId: "w", at });
      const handled: string[] = [];
      let failedOnce = false;
      const sub = await bus.consumeEvents(
        async (events) => {
          // The handler writes a batch all or nothing: a failure means none of it was stored.
          const ids = events.map((e) => (e.type === "worker" ? e.workerId : e.trialId));
          if (ids.includes("t2") && !failedOnce) {
            failedOnce = true;
            throw new Error("database down");
          }
          handled.push(...ids);
        },
        { maxBatch: 2 },
      );
      await until(() => handled.length === 5);
      expect(handled).toEqual(["t0", "t1", "t2", "t3", "t4"]);
      await sub.stop();
      await bus.close();
    });

    it("answers claims through the controller and fails fast without one", async () => {
      const config = resolveRunConfig({});
      const bus = await makeBus(5_000);
      await expect(bus.requestClaim({ trialId: "x", workerId: "w", backend: "cpu" }, 300)).rejects.toThrow();
      const serve = await bus.serveClaims(async (r) =>
        r.trialId === "x"
          ? {
              granted: true,
              attempt: 1,
              config,
              execution: { heartbeatSeconds: 5, trialTimeoutSeconds: 60 },
            }
          : { granted: false, reason: "taken" },
      );
      expect(await bus.requestClaim({ trialId: "x", workerId: "w", backend: "cpu" })).toEqual({
        granted: true,
        attempt: 1,
        config,
        execution: { heartbeatSeconds: 5, trialTimeoutSeconds: 60 },
      });
      expect(await bus.requestClaim({ trialId: "y", workerId: "w", backend: "cpu" })).toEqual({
        granted: false,
        reason: "taken",
      });
      await serve.stop();
      await bus.close();
    });

    it("counts each sweep's trial messages, queued or delivered and not yet acked", async () => {
      const bus = await makeBus(5_000);
      await bus.publishTrial(trial(1), "q1");
      await bus.publishTrial(trial(2), "q2");
      await bus.publishTrial({ trialId: "sx:1", sweepId: "sx", gpu: true }, "q3");
      expect(await bus.queuedTrials(["sw", "sx", "none"])).toEqual(
        new Map([
          ["sw", { cpu: 2, gpu: 0 }],
          ["sx", { cpu: 0, gpu: 1 }],
          ["none", { cpu: 0, gpu: 0 }],
        ]),
      );
      const held: TrialDelivery[] = [];
      const sub = await bus.consumeTrials(async (d) => {
        held.push(d);
        if (d.message.trialId === "sw:1") await d.ack();
        else d.term();
      });
      await until(() => held.length === 2);
      await sleep(300);
      expect((await bus.queuedTrials(["sw", "sx"])).get("sw")).toEqual({ cpu: 0, gpu: 0 });
      // a GPU trial waits for a GPU worker
      expect((await bus.queuedTrials(["sw", "sx"])).get("sx")).toEqual({ cpu: 0, gpu: 1 });
      await sub.stop();
      await bus.ensureTopology(); // idempotent
      expect((await bus.queuedTrials(["sx"])).get("sx")).toEqual({ cpu: 0, gpu: 1 });
      await bus.close();
    });

    it("hands heartbeats straight to the controller", async () => {
      const bus = await makeBus(5_000);
      const heard: unknown[] = [];
      const sub = await bus.onHeartbeat((h) => heard.push(h));
      await bus.publishHeartbeat({ trialId: "sw:1", attempt: 2, workerId: "w" });
      await until(() => heard.length === 1);
      expect(heard).toEqual([{ trialId: "sw:1", attempt: 2, workerId: "w" }]);
      await sub.stop();
      await bus.close();
    });

    it("refuses a claim as retryable when the controller fails to decide it, its reason on one line", async () => {
      const bus = await makeBus(5_000);
      const serve = await bus.serveClaims(async () => {
        // as Prisma words it: a block of lines, which every worker logged whole for every refused claim
        throw new Error(
          "\nInvalid `prisma.trial.update()` invocation:\n\n\nCan't reach database server at `db:5432`",
        );
      });
      expect(await bus.requestClaim({ trialId: "x", workerId: "w", backend: "cpu" })).toEqual({
        granted: false,
        retryable: true,
        reason:
          "controller error: Invalid `prisma.trial.update()` invocation: Can't reach database server at `db:5432`",
      });
      await serve.stop();
      await bus.close();
    });

    it("tells every listener about a cancelled sweep", async () => {
      const bus = await makeBus(5_000);
      const heard: string[] = [];
      const a = await bus.onCancel((id) => heard.push(`a:${id}`));
      const b = await bus.onCancel((id) => heard.push(`b:${id}`));
      await bus.publishCancel("sw9");
      await until(() => heard.length === 2);
      expect(heard.sort()).toEqual(["a:sw9", "b:sw9"]);
      await a.stop();
      await b.stop();
      await bus.close();
    });
  });
}

// `@tailsweep/bus/testing` is the package's one testing entry: the artifact store suite is there too.
export { describeArtifactStore } from "./artifact-store-conformance";
