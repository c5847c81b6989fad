import { execFile } from "node:child_process";
import { hostname } from "node:os";
import { promisify } from "node:util";
// The modules, not the package's index, which also holds the reports and their charts (see the CLI's sweep-run.ts).
import { decisionText, duration, seedRanges } from "@tailsweep/analysis/format";
import { sequentialStatus } from "@tailsweep/analysis/sequential-sweep";
import { loadSweepRuns } from "@tailsweep/analysis/sweep-runs";
import type { ArtifactStore, Bus, Subscription } from "@tailsweep/bus";
import {
  type ClaimReply,
  type ClaimRequest,
  DEFAULT_CHECKPOINT_EVERY,
  DEFAULT_TPE_PARALLEL,
  DEFAULT_TPE_STARTUP,
  type Heartbeat,
  messageLineOf,
  messageOf,
  NotFoundError,
  plural,
  type SweepSpec,
  sweepArtifactPrefix,
  type TrialKind,
  type WorkerEvent,
} from "@tailsweep/schemas";
import {
  type CancelOutcome,
  decisionStageStart,
  type ExtendRequest,
  expandSweep,
  extensionTrials,
  hasDecisionStage,
  newSweepId,
  nextTpeProposals,
  planTrials,
  type RunStore,
  type SweepRecord,
  type SweepRevision,
  storedPoints,
  type TrialRecord,
  type TrialResult,
  takesGpuTrials,
  tpeConfigurations,
  trialId,
} from "@tailsweep/sweep";
import packageJson from "../package.json" with { type: "json" };

/** Controller settings. */
export interface ControllerOptions {
  /**
   * Also log each grant and each stored result (a team's controller, whose log is how an operator follows trials);
   * default false: a `sweep run` or dashboard shows its trials itself, and a line each would bury its other lines.
   */
  logTrials?: boolean;
  /**
   * How often the controller looks after the queue (default 5 s): it makes the streams again if the server lost
   * them, hands back running trials whose worker went silent (stale after 3 of its sweep's heartbeat intervals,
   * by this process's clock), and queues again waiting trials that have no message left.
   */
  reapEveryMs?: number;
  /** Most events written per batch (1 writes them one at a time). */
  maxBatch?: number;
  /**
   * Serve only these sweeps (default: every running sweep in the store). `tailsweep sweep run` serves the one it
   * runs, so an interrupted earlier run's leftovers are not trained under its name.
   */
  sweepIds?: readonly string[];
  /** Where trials keep checkpoints and artifacts: a deleted sweep's go with it. */
  artifacts?: ArtifactStore;
  /**
   * Called when the store has just taken a change that a sweep's progress shows: a batch of worker events that settled
   * a trial (its result or failure) written, or a sequential or TPE sweep's pending look cleared (it may be complete
   * now). A watcher looks again then instead of at its next poll.
   */
  onProgress?: () => void;
  /**
   * No other process can reach this controller's store and bus (the embedded setup: a PGlite store locked to this
   * process and an in-process bus), so at start none can be running or queuing the served sweeps' trials: trials
   * left running by an earlier process are handed back at once, as new attempts, and every waiting trial is queued
   * then, instead of after three missed heartbeats and a shortage seen on two upkeep rounds (≈ 5 s, or 3 heartbeat
   * intervals, that a resumed `tailsweep sweep run` would wait for nothing).
   */
  exclusive?: boolean;
  log?: (line: string) => void;
}

/** How long a settled attempt is held as alive while its outcome waits in the event backlog. */
const SETTLED_GRACE_MS = 15 * 60_000;

/** How often a failing upkeep says so again while its reason stays the same. */
const UPKEEP_REMINDER_MS = 60_000;

/** The message id that makes a trial's queue message unique per attempt (JetStream drops repeats). */
export function trialMessageId(trial: Pick<TrialRecord, "id" | "attempt">): string {
  return `${trial.id}#${trial.attempt + 1}`;
}

/**
 * The single writer of trial state. It expands and stores sweeps, queues their trials, grants claims
 * (WAITING → RUNNING in the store, so no trial runs twice at once), persists worker events in order, hands back
 * trials whose worker went silent, re-queues trials whose message was lost, and cancels sweeps. Workers never touch
 * the store.
 *
 * Liveness is judged by this process's clock alone: heartbeats come on their own channel, past the event backlog,
 * and are stored with the time they arrive, so a worker's clock or a slow event stream cannot make a live trial
 * look dead. After a start, every running trial gets a full stale interval to be heard from.
 */
export class Controller {
  private subscriptions: Subscription[] = [];
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  /** Silence is judged only a stale interval after this: the start, or the last round that failed. */
  private graceFrom = new Date();
  /**
   * Upkeep failing since a round at `since`, for `rounds` rounds in a row, last for `why`, and when each reason was
   * last said; undefined while it works.
   */
  private upkeepFailing?: { since: number; rounds: number; why: string; said: Map<string, number> };
  /** Failed attempts in a row to store the current batch of events. */
  private persistFailures = 0;
  /**
   * Per sweep, how many of this controller's operations are queuing its trials right now (submit, extend, a
   * proposal, a retry or resume): upkeep leaves the sweep alone until the count is back to 0. A count, not a set: two
   * overlapping operations on one sweep (a resume during an extend) each hold it, and the first to end must not
   * release it while the other still queues.
   */
  private readonly submitting = new Map<string, number>();
  /** Per sweep, the kinds that were short of messages on the last round, and how many the queue held then. */
  private short = new Map<string, Partial<Record<TrialKind, number>>>();
  private readonly log: (line: string) => void;
  /** Sweep specs, read once each: a revision only adds seeds, and what is read from it (`execution`) stays. */
  private readonly specs = new Map<string, SweepSpec>();
  /** Heartbeats being written, one per trial at a time: a burst costs one write per trial, not one per beat. */
  private readonly beating = new Map<string, number>();
  /**
   * Attempts whose worker has put the outcome in the event stream, not yet read here: alive until it is read (or
   * for SETTLED_GRACE_MS at most), however long the backlog.
   */
  private readonly settled = new Map<string, { attempt: number; since: number }>();
  /**
   * Per TPE sweep, its trial counts when it was last found with nothing to propose: unchanged counts mean no
   * configuration finished since, so its trials and results are not read again. Only saves reads: the proposals
   * themselves are worked out from the store each time.
   */
  private readonly tpeSeen = new Map<string, string>();
  /** The TPE round in progress (one at a time), and whether a result asked for another meanwhile. */
  private tpeRound?: Promise<void>;
  private tpeAgain = false;

  constructor(
    private readonly store: RunStore,
    private readonly bus: Bus,
    private readonly options: ControllerOptions = {},
  ) {
    this.log = options.log ?? (() => {});
  }

  /** Starts serving claims, heartbeats and events, and the queue's upkeep; queues what waits without a message. */
  async start(): Promise<void> {
    this.graceFrom = new Date();
    this.subscriptions.push(await this.bus.serveClaims((r) => this.grant(r)));
    this.subscriptions.push(await this.bus.onHeartbeat((h) => this.heard(h)));
    this.subscriptions.push(
      await this.bus.consumeEvents((events) => this.persistLogged(events), {
        maxBatch: this.options.maxBatch,
      }),
    );
    if (this.options.exclusive) await this.takeOver();
    await this.reconcile();
    const every = this.options.reapEveryMs ?? 5_000;
    let lastFired = Date.now();
    this.timer = setInterval(() => {
      // A timer that fires late means this process was blocked (training on its own thread, in the embedded
      // setup) or suspended: heartbeats could not be heard meanwhile, so silence is not judged on this round.
      const now = Date.now();
      const blocked = now - lastFired - every > 1_000;
      lastFired = now;
      void this.tick(!blocked);
    }, every);
    this.timer.unref();
  }

  /** One round of upkeep, never two at once: streams, silent workers, lost messages. */
  private tick(judgeSilence = true): Promise<void> {
    this.ticking ??= (async () => {
      try {
        await this.bus.ensureTopology();
        if (judgeSilence) await this.reap();
        await this.reconcile();
        await this.advanceSequential();
        await this.proposeNow();
        const failed = this.upkeepFailing;
        if (failed) {
          this.upkeepFailing = undefined;
          this.log(
            `upkeep works again, after ${plural(failed.rounds, "failed round")} in ${duration((Date.now() - failed.since) / 1000)} (last: ${failed.why})`,
          );
        }
      } catch (e) {
        // The bus or the store is out: heartbeats sent meanwhile were not heard, so every running trial gets a
        // full stale interval again once upkeep works, as after a start.
        this.graceFrom = new Date();
        this.upkeepFailed(messageLineOf(e));
      } finally {
        this.ticking = undefined;
      }
    })();
    return this.ticking;
  }

  /**
   * Says a failed upkeep round: each reason the first time, and again a minute later if it goes on, not every round
   * (12 a minute through a PostgreSQL restart, each the same timeout). The round that works again says how long it
   * took.
   */
  private upkeepFailed(why: string): void {
    const now = Date.now();
    const failing = this.upkeepFailing ?? { since: now, rounds: 0, why, said: new Map<string, number>() };
    failing.rounds += 1;
    failing.why = why;
    this.upkeepFailing = failing;
    // each reason at most once a minute: two that take turns (the store's timeout, then the bus's) are not news
    if (now - (failing.said.get(why) ?? Number.NEGATIVE_INFINITY) < UPKEEP_REMINDER_MS) return;
    failing.said.set(why, now);
    const every = (this.options.reapEveryMs ?? 5_000) / 1000;
    this.log(
      failing.rounds === 1
        ? `upkeep: ${why} (tried again every ${every} s; said again when it works, or once a minute)`
        : `upkeep: ${why} (${plural(failing.rounds, "round")} failed in ${duration((now - failing.since) / 1000)}; tried again every ${every} s)`,
    );
  }

  /** Marks `sweepId` as being queued by one more operation; pair with {@link release} in a `finally`. */
  private hold(sweepId: string): void {
    this.submitting.set(sweepId, (this.submitting.get(sweepId) ?? 0) + 1);
  }

  /** Ends one operation's hold on `sweepId` (from {@link hold}); the last one out removes the entry. */
  private release(sweepId: string): void {
    const left = (this.submitting.get(sweepId) ?? 0) - 1;
    if (left > 0) this.submitting.set(sweepId, left);
    else this.submitting.delete(sweepId);
  }

  /** Whether some operation of this controller is queuing `sweepId`'s trials now. */
  private held(sweepId: string): boolean {
    return this.submitting.has(sweepId);
  }

  /** Stores a validated sweep and queues its trials. Returns the stored sweep (idempotent on `id`). */
  async submit(spec: SweepSpec, id: string = newSweepId()): Promise<SweepRecord> {
    const plans = expandSweep(spec);
    // git looks at the work tree (≈ 0.1 s) while the store is asked; only a new sweep needs its answer.
    const gitState = provenance();
    const existing = await this.store.getSweep(id);
    const sweep =
      existing ?? (await this.store.createSweep({ id, spec, trials: plans, provenance: await gitState }));
    this.specs.set(sweep.id, sweep.spec);
    if (existing) return existing; // a repeat: its trials are queued already, and upkeep re-queues any lost
    this.hold(sweep.id);
    try {
      for (const plan of plans) {
        await this.queue({ id: trialId(sweep.id, plan.key), sweepId: sweep.id, attempt: 0, kind: plan.kind });
      }
    } finally {
      this.release(sweep.id);
    }
    await this.warnIfNoGpuWorker(sweep.id, plans.filter((p) => p.kind === "gpu").length);
    this.log(`sweep ${sweep.id} (${spec.project}/${spec.name}): ${plural(plans.length, "trial")} queued`);
    return sweep;
  }

  /** Cancels a sweep: its queued trials are dropped when a worker pulls them, running ones stop within an epoch. */
  async cancel(sweepId: string): Promise<CancelOutcome> {
    const stopped = await this.store.cancelSweep(sweepId, new Date());
    if (stopped === null) {
      const sweep = await this.store.getSweep(sweepId);
      if (!sweep) throw new NotFoundError("SWEEP_NOT_FOUND", `no sweep with id ${sweepId}`);
      return { cancelled: false, status: sweep.status };
    }
    await this.bus.publishCancel(sweepId);
    return { cancelled: true, stopped };
  }

  /** Queues a sweep's failed trials again as new attempts, each with a fresh allowance; returns them. */
  async retry(sweepId: string): Promise<TrialRecord[]> {
    const retried = await this.store.retryTrials(sweepId, new Date());
    await this.queueAgain(sweepId, retried);
    return retried;
  }

  /**
   * A cancelled sweep goes on where it stopped: its cancelled trials are queued again, none that succeeded. Null,
   * and nothing done, where it is not cancelled (a concurrent resume may have been first).
   */
  async resume(sweepId: string): Promise<TrialRecord[] | null> {
    const resumed = await this.store.resumeSweep(sweepId, new Date());
    if (resumed) await this.queueAgain(sweepId, resumed);
    return resumed;
  }

  /**
   * Adds seeds to a sweep, to every configuration or to those named, as a new revision of its spec, and queues the
   * trials that are new. A repeat adds nothing (trial keys are stable), and returns no revision.
   */
  async extend(
    sweepId: string,
    request: ExtendRequest,
  ): Promise<{ revision: SweepRevision | undefined; added: TrialRecord[] }> {
    const sweep = await this.store.getSweep(sweepId);
    if (!sweep) throw new NotFoundError("SWEEP_NOT_FOUND", `no sweep with id ${sweepId}`);
    const { spec, trials } = extensionTrials(
      sweep.spec,
      request,
      sweep.spec.method === "tpe" ? storedPoints(await this.store.listTrials(sweepId)) : [],
    );
    this.hold(sweepId);
    try {
      const revised = await this.store.reviseSweep({
        sweepId,
        spec,
        trials,
        kind: request.kind,
        seeds: [...request.seeds],
        configKeys: [...request.configKeys],
        posthoc: request.posthoc,
        by: request.by,
        note: request.note,
        now: new Date(),
      });
      this.specs.set(sweepId, spec);
      for (const t of revised.added) await this.queue(t);
      if (revised.revision)
        this.log(
          `sweep ${sweepId}: revision ${revised.revision.revision} (${request.kind}) ${request.kind === "round" ? `${request.note}; ` : ""}queued ${plural(revised.added.length, "trial")}`,
        );
      await this.warnIfNoGpuWorker(sweepId, revised.added.filter((t) => t.kind === "gpu").length);
      return revised;
    } finally {
      this.release(sweepId);
    }
  }

  /**
   * Takes the pending look of every sequential sweep whose trials are all in: when some comparisons with the baseline
   * are still open it queues the next round for them (a planned revision, not post hoc); otherwise the sweep is
   * decided, or at its `max`, or cannot look for failed trials, and it completes. Returns the rounds it queued.
   */
  async advanceSequential(): Promise<number> {
    const sweeps = (await this.servedSweeps()).filter(
      (s) => s.spec.sequential !== undefined && !this.held(s.id),
    );
    if (sweeps.length === 0) return 0;
    const counts = await this.store.countTrials(sweeps.map((s) => s.id));
    let rounds = 0;
    for (const sweep of sweeps) {
      const c = counts.get(sweep.id)!;
      if (c.cpu.waiting + c.cpu.running + c.gpu.waiting + c.gpu.running > 0) continue;
      // One sweep's trouble (a look that cannot be taken, a cancel racing its round) is logged and left for the next
      // round: it must not stop the upkeep of the others, whose silent trials still need handing back.
      try {
        rounds += await this.takeLook(sweep);
      } catch (e) {
        this.log(`sweep ${sweep.id}: look not taken: ${messageOf(e)}`);
      }
    }
    return rounds;
  }

  /** Takes a sequential sweep's pending look: queues its next round (1), or lets it complete (0). */
  private async takeLook(sweep: SweepRecord): Promise<number> {
    const runs = await loadSweepRuns(this.store, sweep);
    const status = sequentialStatus(runs)!;
    // A TPE search's decision stage is started by advanceTpe once the search is spent; until then there is no look.
    if (status.stage === "search") return 0;
    if (status.next) {
      const { seeds, configKeys, undecided } = status.next;
      const note = `look ${status.look + 1}: ${undecided} comparison${undecided === 1 ? "" : "s"} still open, run to ${seeds.length} seeds`;
      const { revision } =
        status.stage === "decision"
          ? await this.decisionRound(sweep, seeds, storedPoints(runs.trials, configKeys), note)
          : await this.extend(sweep.id, {
              seeds,
              configKeys,
              kind: "round",
              posthoc: false,
              by: "controller",
              note,
            });
      if (revision) {
        // what the look decided, once its round for what it left open is stored (a round that failed is tried again,
        // and its look said then): a person watching `sweep run` sees each look
        const rows = status.result?.rows.map(
          (r) => `${r.config}: ${decisionText(r.decision)}${r.stopped ? ` (${r.stopped})` : ""}`,
        );
        if (rows) this.log(`sweep ${sweep.id}: look ${status.look + 1} taken (${rows.join("; ")})`);
        return 1;
      }
      // Every trial of the round is stored already (a person added those seeds): there is no next look to wait for.
      this.log(
        `sweep ${sweep.id}: the next round's trials exist already; the design stops at look ${status.look + 1}`,
      );
    }
    // Cleared only while no trial is open: one queued meanwhile (a retry) keeps the look pending for the next round.
    if (await this.clearLookPending(sweep.id)) {
      const decided = status.result?.rows.map((r) => `${r.config}: ${decisionText(r.decision)}`).join("; ");
      this.log(`sweep ${sweep.id}: ${status.waiting ?? `decided at look ${status.look + 1} (${decided})`}`);
    }
    return 0;
  }

  /**
   * Proposes the next configurations of every TPE sweep served (docs/sweeps.md, "method: tpe"): as many as keep
   * `tpe.parallel` in flight, up to `budget`, each queued on every seed of the sweep as a planned revision (`propose`);
   * a sweep with nothing left to propose and no configuration open completes. What is proposed is worked out from
   * the store alone (`nextTpeProposals`), so a restarted controller goes on where this one stopped. Returns how many
   * configurations it proposed.
   */
  async advanceTpe(): Promise<number> {
    const sweeps = (await this.servedSweeps()).filter((s) => s.spec.method === "tpe" && !this.held(s.id));
    if (sweeps.length === 0) return 0;
    const counts = await this.store.countTrials(sweeps.map((s) => s.id));
    let proposed = 0;
    for (const sweep of sweeps) {
      const seen = JSON.stringify(counts.get(sweep.id));
      if (this.tpeSeen.get(sweep.id) === seen) continue;
      // One sweep's trouble is logged and left for the next round, as with a sequential sweep's look.
      try {
        const added = await this.proposeFor(sweep);
        // not now (another operation queues the sweep): not "nothing to propose", so the counts are not remembered
        if (added === undefined) continue;
        proposed += added;
        if (added === 0) this.tpeSeen.set(sweep.id, seen);
      } catch (e) {
        this.log(`sweep ${sweep.id}: next configuration not proposed: ${messageOf(e)}`);
      }
    }
    return proposed;
  }

  /**
   * {@link advanceTpe} now, one round at a time: after a result, so the next configuration does not wait for upkeep.
   * Asked while a round runs, another follows it (that round may have read the store before the result).
   */
  private proposeNow(): Promise<void> {
    if (this.tpeRound) {
      this.tpeAgain = true;
      return this.tpeRound;
    }
    this.tpeRound = (async () => {
      try {
        do {
          this.tpeAgain = false;
          await this.advanceTpe();
        } while (this.tpeAgain);
      } finally {
        this.tpeRound = undefined;
      }
    })();
    return this.tpeRound;
  }

  /**
   * Adds a TPE sweep's next proposals and queues their trials, or lets it complete; returns how many it added, or
   * undefined when another operation began queuing the sweep meanwhile (left for the next round).
   */
  private async proposeFor(sweep: SweepRecord): Promise<number | undefined> {
    const { spec } = sweep;
    const [trials, results] = await Promise.all([
      this.store.listTrials(sweep.id),
      this.store.listResults(sweep.id),
    ]);
    // advanceTpe chose the sweep when nobody held it; an extend or resume that started during the reads above would
    // make what was read stale and interleave its queuing with these writes, so it is looked at again next round
    if (this.held(sweep.id)) return undefined;
    const configurations = tpeConfigurations(spec, trials, results);
    const step = nextTpeProposals(spec, configurations);
    let added = 0;
    this.hold(sweep.id);
    try {
      for (const params of step.proposals) {
        const plans = planTrials(spec, [params]);
        const number = configurations.length + added + 1;
        // What it was proposed from (nextTpeProposals): the configurations that had finished when it was due.
        const seen = Math.max(0, number - (spec.tpe?.parallel ?? DEFAULT_TPE_PARALLEL));
        const how =
          seen < (spec.tpe?.startup ?? DEFAULT_TPE_STARTUP)
            ? `drawn at random (start-up, ${seen} finished)`
            : `proposed by TPE from ${seen} finished`;
        const revised = await this.store.reviseSweep({
          sweepId: sweep.id,
          kind: "propose",
          spec,
          seeds: spec.seeds,
          configKeys: [plans[0]!.configKey],
          trials: plans,
          posthoc: false,
          by: "controller",
          note: `configuration ${number} of ${spec.budget} (${plans[0]!.configLabel}): ${how}`,
          now: new Date(),
        });
        for (const t of revised.added) await this.queue(t);
        await this.warnIfNoGpuWorker(sweep.id, revised.added.filter((t) => t.kind === "gpu").length);
        if (revised.revision) {
          added++;
          this.log(
            `sweep ${sweep.id}: ${revised.revision.note}; queued ${plural(revised.added.length, "trial")}`,
          );
        }
      }
    } finally {
      this.release(sweep.id);
    }
    if (step.exhausted && added === 0 && !configurations.some((c) => c.open)) {
      if (hasDecisionStage(spec)) return this.startDecisionStage(sweep, trials, results);
      // Cleared only while no trial is open: a retry queued meanwhile keeps the sweep running.
      if (await this.clearLookPending(sweep.id))
        this.log(`sweep ${sweep.id}: TPE proposed ${configurations.length} configurations, all finished`);
    }
    return added;
  }

  /**
   * Starts a spent TPE search's decision stage (docs/sweeps.md, "TPE with a sequential design"): its best
   * `decide.top` configurations and the baseline, on the first `initial` fresh seeds, as the design's first round;
   * the looks then go on as a grid's. Nothing when the stage has begun; a search none of whose configurations finished
   * every seed completes without one. Returns 0: it proposes no configuration.
   */
  private async startDecisionStage(
    sweep: SweepRecord,
    trials: readonly TrialRecord[],
    results: ReadonlyMap<string, TrialResult>,
  ): Promise<number> {
    const { spec } = sweep;
    // begun when its first round is stored (what sequentialStatus reads too), not when some trial has a decision seed
    if ((await this.store.listRevisions(sweep.id)).some((r) => r.kind === "round")) return 0;
    const start = decisionStageStart(spec, trials, results);
    const metric = spec.sequential!.decide.metric;
    if (start.chosen.length === 0) {
      if (await this.clearLookPending(sweep.id))
        this.log(
          `sweep ${sweep.id}: none of the ${start.proposed} configurations TPE proposed finished every search seed; no decision stage`,
        );
      return 0;
    }
    const best = start.chosen.map((c) => `${c.configLabel} (${c.mean.toFixed(4)})`).join(", ");
    const { revision } = await this.decisionRound(
      sweep,
      start.seeds,
      [start.baseline.params, ...start.chosen.map((c) => c.params)],
      `decision stage: the best ${start.chosen.length} of ${start.complete} configurations by mean ${metric} on seeds ${seedRanges(spec.seeds)} (${best}) against the baseline ${spec.sequential!.decide.baseline}, on fresh seeds ${seedRanges(start.seeds)}`,
    );
    // Every trial of the stage is stored already (a person ran those seeds): there is no look to wait for.
    if (!revision && (await this.clearLookPending(sweep.id)))
      this.log(`sweep ${sweep.id}: the decision stage's trials exist already; it completes without a look`);
    return 0;
  }

  /**
   * A round of a TPE search's decision stage: the given configurations on the given seeds, as a planned revision
   * (`round`). Unlike {@link extend} it leaves the spec's seeds (the search's) as they are, so the decision seeds
   * stay apart from the search's.
   */
  private async decisionRound(
    sweep: SweepRecord,
    seeds: number[],
    points: Record<string, unknown>[],
    note: string,
  ): Promise<{ revision: SweepRevision | undefined }> {
    const { spec } = sweep;
    const trials = planTrials({ ...spec, seeds }, points);
    this.hold(sweep.id);
    try {
      const revised = await this.store.reviseSweep({
        sweepId: sweep.id,
        spec,
        trials,
        kind: "round",
        seeds,
        configKeys: [...new Set(trials.map((t) => t.configKey))],
        posthoc: false,
        by: "controller",
        note,
        now: new Date(),
      });
      for (const t of revised.added) await this.queue(t);
      if (revised.revision)
        this.log(
          `sweep ${sweep.id}: revision ${revised.revision.revision} (round) ${note}; queued ${plural(revised.added.length, "trial")}`,
        );
      await this.warnIfNoGpuWorker(sweep.id, revised.added.filter((t) => t.kind === "gpu").length);
      return revised;
    } finally {
      this.release(sweep.id);
    }
  }

  /** Queues trials that wait again after a retry or resume, under fresh message ids (past the dedupe window). */
  private async queueAgain(sweepId: string, trials: TrialRecord[]): Promise<void> {
    if (trials.length === 0) return;
    this.hold(sweepId);
    try {
      const fresh = `~${Date.now().toString(36)}`;
      for (const t of trials) await this.queue(t, fresh);
    } finally {
      this.release(sweepId);
    }
    await this.warnIfNoGpuWorker(sweepId, trials.filter((t) => t.kind === "gpu").length);
  }

  /** Deletes a sweep and everything stored for it, cancelling it first if it runs (so its workers stop). */
  async delete(sweepId: string): Promise<boolean> {
    const sweep = await this.store.getSweep(sweepId);
    if (!sweep) return false;
    if (sweep.status === "running") await this.cancel(sweepId);
    const deleted = await this.store.deleteSweep(sweepId);
    this.specs.delete(sweepId);
    if (deleted) {
      // After the rows: a file left behind by a failure here costs bytes, never a sweep that shows files it lost.
      const files = await this.options.artifacts
        ?.deletePrefix(sweepArtifactPrefix(sweepId))
        .catch((e: unknown) => {
          this.log(`sweep ${sweepId}: its artifacts were not deleted (${messageOf(e)})`);
          return 0;
        });
      this.log(
        `sweep ${sweepId} (${sweep.project}/${sweep.name}) deleted${files ? `, with ${files} stored files` : ""}`,
      );
    }
    return deleted;
  }

  /**
   * Hands back trials whose worker stopped heartbeating, as new attempts (or fails them past maxAttempts). Each
   * sweep is judged by its own heartbeat interval: a trial is stale after three missed heartbeats, counted from
   * this controller's start at the earliest (heartbeats sent while no controller listened were not lost work).
   */
  async reap(now = new Date()): Promise<TrialRecord[]> {
    const handedBack: TrialRecord[] = [];
    // A settled attempt's outcome was acknowledged by the event stream before the worker said so; the stream can
    // still lose it (a server that came back without its storage). With nothing left there to read, an outcome
    // not stored by now never will be: the hold is dropped and the trial judged by its heartbeats again.
    // Only holds announced before the backlog was read are judged by it: one announced meanwhile (heard while this
    // awaits) has its outcome published after that reading.
    const asked = Date.now();
    const lost = this.settled.size > 0 && (await this.bus.eventBacklog()) === 0;
    for (const [id, { attempt, since }] of [...this.settled]) {
      const dropped = lost && since < asked;
      const alive =
        !dropped &&
        now.getTime() - since < SETTLED_GRACE_MS &&
        (await this.store.heartbeat(id, attempt, now));
      if (alive) continue;
      this.settled.delete(id);
      const t = dropped ? await this.store.getTrial(id) : undefined;
      if (t?.state === "running" && t.attempt === attempt)
        this.log(
          `trial ${id}: attempt ${attempt} said it had settled, but its outcome is not in the event stream (lost with the server's storage?); it is handed back when its heartbeats stop`,
        );
    }
    for (const sweep of await this.servedSweeps()) {
      const staleAfterMs = 3 * sweep.spec.execution.heartbeatSeconds * 1000;
      if (now.getTime() - this.graceFrom.getTime() < staleAfterMs) continue;
      // The store returns each trial as it left it: waiting for a new attempt, or failed past maxAttempts.
      for (const t of await this.store.requeueStale(now, staleAfterMs, sweep.id)) {
        if (t.state === "waiting") {
          handedBack.push(t);
          this.log(`trial ${t.id}: ${t.error}; queued again as attempt ${t.attempt + 1}`);
          // A bus that is down now: the next upkeep finds the trial without a message and queues it.
          await this.queue(t).catch((e: unknown) =>
            this.log(`trial ${t.id}: not queued: ${messageLineOf(e)}`),
          );
        } else if (t.state === "failed") {
          this.log(`trial ${t.id}: ${t.error}`);
        }
      }
    }
    return handedBack;
  }

  /**
   * At the start of an exclusive controller ({@link ControllerOptions.exclusive}): hands back the served sweeps'
   * trials that an earlier process left running (or fails them past maxAttempts, as the reaper would), and queues
   * every waiting trial, since this process's new bus holds no message yet.
   */
  private async takeOver(): Promise<void> {
    const now = new Date();
    for (const sweep of await this.servedSweeps()) {
      for (const t of await this.store.requeueStale(now, 0, sweep.id))
        this.log(
          `trial ${t.id}: left running by an earlier process${t.state === "waiting" ? `; queued again as attempt ${t.attempt + 1}` : `: ${t.error}`}`,
        );
      // No GPU-worker warning here: this process's own worker starts after its controller.
      for (const t of await this.store.listTrials(sweep.id)) if (t.state === "waiting") await this.queue(t);
    }
  }

  /**
   * Queues again the waiting trials of a kind (CPU or GPU queue) when that queue holds fewer messages for the
   * sweep than it has trials waiting and running: messages lost to a server that lost its storage, to a publish
   * that failed while the bus was down, or dropped by a worker. The shortage must be seen on two rounds in a row
   * without the queue growing in between, so a sweep still being queued (here or by another process) is left
   * alone. Which messages are missing cannot be told, so all of that kind's waiting trials are queued under new
   * message ids (never swallowed by the dedupe window); the spare copies are refused at the claim. Returns how
   * many messages it published. Each round counts the trials (one aggregate read for all sweeps); only a sweep
   * found short twice has its trials read.
   */
  async reconcile(): Promise<number> {
    const sweeps = (await this.servedSweeps()).filter((s) => !this.held(s.id));
    if (sweeps.length === 0) return 0;
    const ids = sweeps.map((s) => s.id);
    const queued = await this.bus.queuedTrials(ids);
    const counts = await this.store.countTrials(ids);
    const short = new Map<string, Partial<Record<TrialKind, number>>>();
    let published = 0;
    for (const sweep of sweeps) {
      for (const kind of ["cpu", "gpu"] as const) {
        const { waiting = 0, running = 0 } = counts.get(sweep.id)?.[kind] ?? {};
        const held = queued.get(sweep.id)?.[kind] ?? 0;
        // A running trial holds its message until its worker settles it, so the queue should hold one for each
        // open trial; a spare copy can hide a loss for a while, never make one.
        if (waiting === 0 || held >= waiting + running) continue;
        const before = this.short.get(sweep.id)?.[kind];
        if (before === undefined || held > before) {
          short.set(sweep.id, { ...short.get(sweep.id), [kind]: held });
          continue; // first sight, or still being queued: look again next round
        }
        const lost = (await this.store.listTrials(sweep.id)).filter(
          (t) => t.state === "waiting" && t.kind === kind,
        );
        const fresh = `~${Date.now().toString(36)}`;
        for (const t of lost) await this.queue(t, fresh);
        published += lost.length;
        this.log(
          `sweep ${sweep.id}: ${lost.length} waiting and ${running} running ${kind} trials but ${held} queued messages; queued the waiting ones again`,
        );
        if (kind === "gpu") await this.warnIfNoGpuWorker(sweep.id, lost.length);
      }
    }
    this.short = short;
    return published;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
    for (const s of this.subscriptions) await s.stop();
    this.subscriptions = [];
    await this.tpeRound; // one started by the last results: its proposals are stored and queued, or not begun
  }

  /** The running sweeps this controller serves (all, or those in `sweepIds`), their specs remembered. */
  private async servedSweeps(): Promise<SweepRecord[]> {
    const only = this.options.sweepIds;
    const sweeps = only
      ? (await Promise.all(only.map((id) => this.store.getSweep(id)))).filter((s) => s !== undefined)
      : await this.store.listSweeps();
    const running = sweeps.filter((s) => s.status === "running");
    for (const s of running) this.specs.set(s.id, s.spec);
    return running;
  }

  private async spec(sweepId: string): Promise<SweepSpec | undefined> {
    const known = this.specs.get(sweepId);
    if (known) return known;
    const sweep = await this.store.getSweep(sweepId);
    if (sweep) this.specs.set(sweepId, sweep.spec);
    return sweep?.spec;
  }

  private async warnIfNoGpuWorker(sweepId: string, needGpu: number): Promise<void> {
    if (needGpu > 0 && !(await this.store.listWorkers()).some((w) => takesGpuTrials(w))) {
      this.log(
        `sweep ${sweepId}: ${needGpu} trial${needGpu === 1 ? " needs" : "s need"} a GPU (execution.gpu) and no GPU worker is online; they wait until one starts (tailsweep worker --backend webgpu)`,
      );
    }
  }

  /**
   * Publishes a waiting trial to the queue of its kind (fixed when it was planned): GPU workers' for a `gpu` trial.
   * `again` makes the message id new, for a trial whose earlier message may be inside the dedupe window.
   */
  private async queue(
    trial: Pick<TrialRecord, "id" | "sweepId" | "attempt" | "kind">,
    again = "",
  ): Promise<void> {
    await this.bus.publishTrial(
      { trialId: trial.id, sweepId: trial.sweepId, ...(trial.kind === "gpu" && { gpu: true as const }) },
      `${trialMessageId(trial)}${again}`,
    );
  }

  /** A heartbeat, stored with the time it arrived here; a store that is down misses it, and the next one counts. */
  private heard({ trialId: id, attempt, settled }: Heartbeat): void {
    if (settled) this.settled.set(id, { attempt, since: Date.now() });
    if (this.beating.has(id)) {
      this.beating.set(id, attempt); // written once the write in progress ends
      return;
    }
    this.beating.set(id, attempt);
    void (async () => {
      for (let a = attempt; ; ) {
        await this.store.heartbeat(id, a, new Date()).catch(() => false);
        const next = this.beating.get(id)!;
        if (next === a) break;
        a = next;
      }
      this.beating.delete(id);
    })();
  }

  /** A claim: granted once per attempt. A store error throws, and the bus tells the worker to try again later. */
  private async grant(request: ClaimRequest): Promise<ClaimReply> {
    const claimed = await this.store.claimTrial(
      request.trialId,
      request.workerId,
      new Date(),
      request.backend,
    );
    if (claimed) {
      if (this.options.logTrials)
        this.log(`trial ${claimed.id} attempt ${claimed.attempt}: granted to worker ${request.workerId}`);
      return this.granted(claimed);
    }
    const t = await this.store.getTrial(request.trialId);
    if (t?.state === "running" && t.workerId === request.workerId) {
      // Its own claim, granted after it stopped waiting for the answer (a slow database): the attempt is its to
      // run, not a phantom that would be reaped for silence and use up an attempt. A worker never asks for a trial
      // it is already running (it drops such a redelivery itself).
      await this.store.heartbeat(t.id, t.attempt, new Date());
      return this.granted(t);
    }
    return { granted: false, reason: t ? `trial is ${t.state}` : "no such trial" };
  }

  /** The grant of a running attempt: its config, and its sweep's limits, so workers need no configuration. */
  private async granted(trial: TrialRecord): Promise<ClaimReply> {
    const spec = await this.spec(trial.sweepId);
    if (!spec) throw new Error(`no sweep ${trial.sweepId} for trial ${trial.id}`);
    const { heartbeatSeconds, trialTimeoutSeconds, checkpointEvery, keepCheckpoint, artifacts } =
      spec.execution;
    return {
      granted: true,
      attempt: trial.attempt,
      config: trial.config,
      execution: {
        heartbeatSeconds,
        trialTimeoutSeconds,
        checkpointEvery: checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY,
        keepCheckpoint: keepCheckpoint ?? false,
        artifacts: artifacts ?? "all",
      },
    };
  }

  /**
   * {@link persistBatch}, saying when it fails: the bus retries the batch in place, so a failure that repeats holds
   * every later event back, and an operator must see that (the first failure, then every tenth in a row).
   */
  private async persistLogged(events: WorkerEvent[]): Promise<void> {
    try {
      await this.persistBatch(events);
      this.persistFailures = 0;
    } catch (e) {
      if (this.persistFailures++ % 10 === 0)
        this.log(
          `events: ${events.length} not stored (${messageLineOf(e)}); tried again${this.persistFailures > 1 ? ` (${this.persistFailures} failures in a row)` : ""}`,
        );
      throw e;
    }
  }

  /**
   * Writes a batch of events in order: runs of epoch events go to the store in one statement, the rest one by one.
   * Every write is idempotent, so a batch retried after a failure half-way changes nothing twice.
   */
  private async persistBatch(events: WorkerEvent[]): Promise<void> {
    let epochs: {
      trialId: string;
      attempt: number;
      metric: Extract<WorkerEvent, { type: "epoch" }>["metric"];
    }[] = [];
    const flush = async () => {
      if (epochs.length > 0) await this.store.recordEpochs(epochs);
      epochs = [];
    };
    let settled = false;
    for (const event of events) {
      if (event.type === "epoch") {
        epochs.push({ trialId: event.trialId, attempt: event.attempt, metric: event.metric });
        continue;
      }
      await flush();
      await this.persist(event);
      settled ||= event.type === "result" || event.type === "failed";
    }
    await flush();
    if (settled) this.progressed();
    // A finished trial may finish a TPE sweep's configuration: its next is proposed now, not at the next upkeep.
    if (settled && [...this.specs.values()].some((spec) => spec.method === "tpe"))
      void this.proposeNow().catch((e: unknown) => this.log(`TPE: ${messageOf(e)}`));
  }

  /** Clears a sweep's pending look (see RunStore.setLookPending) and says so to `onProgress` when it did. */
  private async clearLookPending(sweepId: string): Promise<boolean> {
    const cleared = await this.store.setLookPending(sweepId, false);
    if (cleared) this.progressed();
    return cleared;
  }

  /** Tells `onProgress`; a watcher's failure is logged, never taken for the store write's (which would be retried). */
  private progressed(): void {
    try {
      this.options.onProgress?.();
    } catch (e) {
      this.log(`onProgress: ${messageOf(e)}`);
    }
  }

  /** Writes one non-epoch worker event; every write is idempotent, so a redelivered event changes nothing. */
  private async persist(event: Exclude<WorkerEvent, { type: "epoch" }>): Promise<void> {
    switch (event.type) {
      case "heartbeat":
        // From a worker older than the heartbeat channel: the time it is read here, not the worker's clock.
        await this.store.heartbeat(event.trialId, event.attempt, new Date());
        return;
      case "result": {
        // Finished by this clock, as it was started by it (the claim): never before its start.
        const succeeded = await this.store.completeTrial(
          event.trialId,
          event.attempt,
          event.result,
          new Date(),
          event.workerId,
        );
        this.settled.delete(event.trialId); // read and written: no longer needs holding alive
        if (succeeded && this.options.logTrials)
          this.log(
            `trial ${event.trialId} attempt ${event.attempt}: succeeded in ${Math.round(event.result.seconds)} s${event.workerId ? ` on worker ${event.workerId}` : ""}`,
          );
        if (!succeeded) {
          // Refused, so nothing was written: read only to say why.
          const t = await this.store.getTrial(event.trialId);
          this.log(
            `trial ${event.trialId} attempt ${event.attempt}: result not stored (trial is ${t ? `${t.state} at attempt ${t.attempt}` : "gone"})`,
          );
        }
        return;
      }
      case "worker": {
        // Heard now, by this clock: a worker whose clock is behind is not listed as lost.
        const heardAt = new Date();
        await this.store.recordWorker({
          id: event.workerId,
          host: event.host,
          backend: event.backend,
          ...(event.gpu !== undefined && { gpu: event.gpu }),
          trialKinds: event.trialKinds ?? ["cpu"],
          concurrency: event.concurrency,
          startedAt: new Date(event.startedAt),
          lastHeartbeat: heardAt,
          ...(event.stopped && { stoppedAt: heardAt }),
        });
        return;
      }
      case "failed": {
        const t = await this.store.failTrial(
          event.trialId,
          event.attempt,
          event.reason,
          event.retryable,
          new Date(),
          { handedBack: event.handBack === true, ...(event.code !== undefined && { code: event.code }) },
        );
        this.settled.delete(event.trialId);
        // A bus that is down now: upkeep finds the trial without a message and queues it.
        if (t?.state === "waiting")
          await this.queue(t).catch((e: unknown) =>
            this.log(`trial ${t.id}: not queued: ${messageLineOf(e)}`),
          );
        this.log(
          `trial ${event.trialId} attempt ${event.attempt}: ${event.reason} → ${t?.state ?? "ignored (stale)"}`,
        );
        return;
      }
    }
  }
}

// Imported, not read at run time, so that a bundle (the GPU kit) carries the version with it.
const tailsweepVersion = packageJson.version;
const execFileAsync = promisify(execFile);

/** What a sweep was submitted from: the git commit and whether the tree was dirty (if in a checkout), runtime, host. */
export async function provenance(): Promise<Record<string, unknown>> {
  let status: string | null = null;
  try {
    // One git process for both facts: porcelain v2 with --branch prints `# branch.oid <sha>`, then a line per change.
    status = (await execFileAsync("git", ["status", "--porcelain=v2", "--branch"], { encoding: "utf8" }))
      .stdout;
  } catch {
    // not a checkout, or no git: provenance says so with nulls
  }
  const oid = status?.match(/^# branch\.oid ([0-9a-f]{40})$/m)?.[1] ?? null;
  return {
    gitCommit: oid,
    gitDirty: oid === null ? null : status!.split("\n").some((l) => l !== "" && !l.startsWith("#")),
    tailsweep: tailsweepVersion,
    node: process.versions.node,
    platform: `${process.platform}-${process.arch}`,
    host: hostname(),
  };
}
