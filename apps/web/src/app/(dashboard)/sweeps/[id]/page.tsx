import { errorCategory, messageOf } from "@tailsweep/schemas";
import { EPOCH_SERIES_METRICS, trialsAtMost } from "@tailsweep/sweep";
import { notFound } from "next/navigation";
import { Suspense } from "react";
import { z } from "zod";
import { Annotations } from "../../../../components/annotations";
import { AnnotationsForm } from "../../../../components/annotations-form";
import { AutoSubmit } from "../../../../components/auto-submit";
import { CancelButton } from "../../../../components/cancel-button";
import { DeleteSweepButton } from "../../../../components/delete-sweep-button";
import { LiveRefresh } from "../../../../components/live-refresh";
import { ParetoSection } from "../../../../components/pareto-section";
import { ProgressBar, statusText } from "../../../../components/progress-bar";
import { ResumeButton, RetryButton } from "../../../../components/sweep-actions";
import {
  age,
  checkpointSavingsText,
  duration,
  NO_CONTROLLER_TEXT,
  query,
  seedRanges,
  stamp,
} from "../../../../lib/format";
import { api, host } from "../../../../server/store";
import {
  ChartsSection,
  ComparisonSection,
  FailuresSection,
  ImportanceSection,
  later,
  type Params,
  PerClassSection,
  SequentialSection,
  TrialsSection,
} from "./sections";

export const dynamic = "force-dynamic";

/**
 * One sweep, live while it runs: progress and workers, the comparison of its configurations against a chosen
 * baseline, what matters (each swept knob's share of the variance, and the configurations in parallel
 * coordinates), the Pareto front of two metrics with its paired dominance tests, learning curves, a heatmap over any two swept parameters, per-class results, and its trials. Every
 * choice on the page is in the URL, so a link reproduces the view.
 */
export default async function SweepPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { id } = await params;
  // One value per parameter (the first), except the trials table's `cols`: its column picker sends one per ticked box
  // (cols=a&cols=b), read as one list (cols=a,b), which its links and the other forms then keep.
  const sp: Params = Object.fromEntries(
    Object.entries(await searchParams).map(([k, v]) => [
      k,
      Array.isArray(v) ? (k === "cols" ? v.join(",") : v[0]) : v,
    ]),
  );
  const caller = await api();
  const { launchTarget } = await host();
  const got = await caller.sweeps.get({ id }).then(
    (sweep) => ({ sweep }),
    // the server-side caller throws tRPC's error, with the API's coded one as its cause
    (e: unknown) => ({ refused: z.object({ cause: z.unknown() }).safeParse(e).data?.cause }),
  );
  if (!("sweep" in got)) {
    // a start of several ids (`/sweeps/9`) is said with them, as the CLI and the API say it; anything else is unknown
    if (errorCategory(got.refused) !== "invalid") notFound();
    return (
      <>
        <h1>Sweep {id}</h1>
        <p className="field-error" data-testid="sweep-id-refused">
          {messageOf(got.refused)}
        </p>
        <p>
          <a href="/">All sweeps</a>
        </p>
      </>
    );
  }
  const { sweep } = got;
  const me = await caller.me();
  const roleHere =
    me.projects === "all" ? "owner" : me.projects.find((m) => m.project === sweep.project)?.role;
  const owner = roleHere === "owner";
  // Retry, resume and top-ups queue trials: for those who may launch here, where this dashboard can launch.
  const canLaunch = launchTarget !== null && (roleHere === "owner" || roleHere === "member");

  const swept = Object.keys(sweep.spec.search).sort();
  const metric = sp.metric ?? sweep.spec.objective.metric;
  const correction = sp.correction === "bh" ? "bh" : "holm";
  const x = sp.x && swept.includes(sp.x) ? sp.x : swept[0];
  const y = sp.y && swept.includes(sp.y) && sp.y !== x ? sp.y : swept.find((s) => s !== x);
  const curveMetric =
    EPOCH_SERIES_METRICS.find((m) => m === sp.curve) ??
    // with a validation set the test set is read once, at the end: the curves are the validation set's
    (sweep.spec.dataset.validation ? "validation.balancedAccuracy" : "test.balancedAccuracy");

  // Each started when a section first asks for it, and shared by the sections that show it.
  const compared = later(() =>
    caller.sweeps
      .compare({ id, metric, correction, baseline: sp.baseline })
      .then((table) => ({ table, error: null as null }))
      // before any trial succeeded there is nothing to compare, which is no error of the metric chosen
      .catch((e: unknown) => ({
        table: undefined,
        error:
          sweep.progress.counts.succeeded === 0
            ? "Nothing to compare yet: no trial has succeeded."
            : messageOf(e),
      })),
  );
  const trialsOf = later(() => caller.sweeps.trials({ id }));
  const curvesOf = later(() => caller.sweeps.curves({ id, metric: curveMetric }));
  const heatOf = later(async () => (x && y ? caller.sweeps.heatmap({ id, x, y, metric }) : undefined));
  const perClassOf = later(() => caller.sweeps.perClass({ id }));
  // the comparison's metric: the importance decomposes the means its table shows
  const importanceOf = later(() =>
    caller.sweeps
      .importance({ id, metric })
      .then((view) => ({ view, error: null as null }))
      .catch((e: unknown) => ({ view: undefined, error: messageOf(e) })),
  );
  const sequentialOf = later(() => caller.sweeps.sequential({ id }));
  const p = sweep.progress;
  const running = sweep.status === "running";
  const atMost = trialsAtMost(sweep, p.total);

  return (
    <main>
      <AutoSubmit />
      <h1>
        {sweep.project}/{sweep.name}{" "}
        <span className="pill" data-testid="sweep-status">
          {statusText(sweep.status, sweep.progress.counts)}
        </span>{" "}
        <LiveRefresh active={running} />
      </h1>
      <p className="muted">
        created {stamp(sweep.createdAt)} ({age(sweep.createdAt)}) · {sweep.spec.method} search over{" "}
        {swept.join(", ") || "nothing"} · seeds {seedRanges(sweep.spec.seeds)} · objective{" "}
        {sweep.spec.objective.metric} ({sweep.spec.objective.direction})
        {sweep.spec.description ? ` · ${sweep.spec.description}` : ""}
      </p>
      <section data-testid="annotations">
        <Annotations tags={sweep.tags} notes={sweep.notes} />
        {/* tags and notes change no trial: members may write them on any dashboard, one without a controller too */}
        {(roleHere === "owner" || roleHere === "member") && (
          <AnnotationsForm target="sweep" id={sweep.id} tags={sweep.tags} notes={sweep.notes} />
        )}
      </section>
      <p>
        {running && launchTarget && (
          <CancelButton sweepId={sweep.id} name={`${sweep.project}/${sweep.name}`} />
        )}{" "}
        {canLaunch && sweep.status !== "cancelled" && sweep.progress.counts.failed > 0 && (
          <>
            <RetryButton sweepId={sweep.id} failed={sweep.progress.counts.failed} />{" "}
          </>
        )}
        {canLaunch && sweep.status === "cancelled" && (
          <>
            <ResumeButton sweepId={sweep.id} />{" "}
          </>
        )}
        <a href={`/launch?from=${sweep.id}`}>launch a copy</a> ·{" "}
        <a href={`/api/sweeps/${sweep.id}/export?format=csv`} data-testid="export-csv">
          export CSV
        </a>{" "}
        · <a href={`/api/sweeps/${sweep.id}/export?format=json`}>export JSON</a> ·{" "}
        <a href={`/sweeps/${sweep.id}${query(sp, {})}`}>permalink to this view</a>
        {launchTarget && owner && (
          <>
            {" "}
            <DeleteSweepButton
              sweepId={sweep.id}
              name={`${sweep.project}/${sweep.name}`}
              trials={sweep.trialCount}
            />
          </>
        )}
      </p>

      <section data-testid="progress">
        <ProgressBar counts={p.counts} total={p.total} />{" "}
        <strong>
          {p.done}/{p.total}
        </strong>{" "}
        done{atMost ? ` (up to ${atMost} as the design's looks go on)` : ""} · {p.counts.succeeded} succeeded
        · {p.counts.running} running · {p.counts.waiting} queued · {p.counts.failed} failed ·{" "}
        {p.counts.cancelled} cancelled · elapsed {duration(p.elapsedSeconds)}
        {running ? ` · ETA${atMost ? " of this look" : ""} ${duration(p.etaSeconds)}` : ""}
      </section>
      <FailuresSection failures={sweep.failures} />
      {sweep.tpe && (
        <p data-testid="tpe-progress" className="muted">
          TPE: {sweep.tpe.proposed} of {sweep.tpe.budget} configurations proposed · {sweep.tpe.finished}{" "}
          finished · {sweep.tpe.open} in flight ({sweep.tpe.startup} random start-up, {sweep.tpe.parallel} at
          once), each on every seed
        </p>
      )}
      {sweep.checkpoints.resumedTrials > 0 && (
        <p data-testid="checkpoint-savings" className="muted">
          {checkpointSavingsText(sweep.checkpoints)}
        </p>
      )}
      {sweep.servedBy === null && (
        <p data-testid="no-controller" className="warn">
          {NO_CONTROLLER_TEXT}.
        </p>
      )}
      {sweep.gpu.trials > 0 && (
        <p data-testid="gpu-need" className={gpuStalled(sweep.gpu) ? "warn" : "muted"}>
          {gpuNeed(sweep.gpu, sweep.trialCount)}
        </p>
      )}
      {sweep.workers.length > 0 && (
        <details open={running}>
          <summary>Workers ({sweep.workers.length})</summary>
          <table className="data" data-testid="workers">
            <thead>
              <tr>
                <th>worker</th>
                <th>host</th>
                <th>backend</th>
                <th>GPU</th>
                <th>status</th>
                <th className="num">running here</th>
                <th className="num">finished here</th>
              </tr>
            </thead>
            <tbody>
              {sweep.workers.map((w) => (
                <tr key={w.id}>
                  <td className="mono">{w.id}</td>
                  <td>{w.host ?? "—"}</td>
                  <td>{w.backend ?? "—"}</td>
                  <td>{w.gpu ?? "—"}</td>
                  <td>{w.status ?? "unknown"}</td>
                  <td className="num">{w.running}</td>
                  <td className="num">{w.finished}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}

      {sweep.spec.sequential && (
        <Suspense fallback={<p className="muted">taking the design&apos;s look…</p>}>
          <SequentialSection sequentialOf={sequentialOf} design={sweep.spec.sequential} />
        </Suspense>
      )}
      <Suspense fallback={<p className="muted">comparing configurations…</p>}>
        <ComparisonSection
          compared={compared}
          sp={sp}
          metric={metric}
          correction={correction}
          topUp={
            // a sequential sweep adds its own seeds while it runs, and a TPE sweep its own configurations, also
            // after it stopped while some are left to propose (resumed or retried, it proposes them on every seed)
            canLaunch &&
            sweep.status !== "cancelled" &&
            !(sweep.spec.sequential && running) &&
            !(sweep.spec.method === "tpe" && (running || (sweep.tpe?.left ?? 0) > 0))
              ? sweep.id
              : undefined
          }
        />
      </Suspense>
      <Suspense fallback={<p className="muted">weighing the knobs…</p>}>
        <ImportanceSection importanceOf={importanceOf} />
      </Suspense>
      <Suspense fallback={<p className="muted">drawing the Pareto front…</p>}>
        <ParetoSection
          id={id}
          sp={sp}
          {...(sweep.spec.objectives && { objectives: sweep.spec.objectives })}
        />
      </Suspense>
      <Suspense fallback={<p className="muted">drawing curves…</p>}>
        <ChartsSection
          compared={compared}
          curvesOf={curvesOf}
          heatOf={heatOf}
          sp={sp}
          swept={swept}
          x={x}
          y={y}
          curveMetric={curveMetric}
          metric={metric}
        />
      </Suspense>
      <Suspense fallback={<p className="muted">summarising classes…</p>}>
        <PerClassSection compared={compared} perClassOf={perClassOf} sp={sp} />
      </Suspense>
      <Suspense fallback={<p className="muted">listing trials…</p>}>
        <TrialsSection
          trialsOf={trialsOf}
          sp={sp}
          counts={sweep.progress.counts}
          swept={swept}
          objective={sweep.spec.objective.metric}
        />
      </Suspense>
    </main>
  );
}

type GpuNeed = { trials: number; waiting: number; workersOnline: number };

/** GPU trials wait and no worker can run them: worth a warning, not a footnote. */
const gpuStalled = (gpu: GpuNeed) => gpu.waiting > 0 && gpu.workersOnline === 0;

/** "Every trial needs a GPU worker (execution.gpu) · 0 GPU workers online · 4 wait until one starts (…)". */
function gpuNeed(gpu: GpuNeed, total: number): string {
  const who = gpu.trials === total ? "Every trial needs" : `${gpu.trials} of ${total} trials need`;
  const online = `${gpu.workersOnline} GPU worker${gpu.workersOnline === 1 ? "" : "s"} online`;
  const stalled = gpuStalled(gpu)
    ? ` · ${gpu.waiting} wait until one starts (NATS_URL=… tailsweep worker --backend webgpu)`
    : "";
  return `${who} a GPU worker (execution.gpu) · ${online}${stalled}`;
}
