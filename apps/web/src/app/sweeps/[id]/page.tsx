import { ObjectiveMetricSchema } from "@tailsweep/schemas";
import { EPOCH_SERIES_METRICS } from "@tailsweep/sweep";
import { notFound } from "next/navigation";
import { AutoSubmit } from "../../../components/auto-submit";
import { CancelButton } from "../../../components/cancel-button";
import { ComparisonTable } from "../../../components/comparison-table";
import { KeepParams } from "../../../components/keep-params";
import { LiveRefresh } from "../../../components/live-refresh";
import { age, duration, pct, query, stamp } from "../../../lib/format";
import { confusionSvg, curvesSvg, heatmapSvg, perClassSvg } from "../../../server/charts";
import { api, host } from "../../../server/store";

export const dynamic = "force-dynamic";

const TRIALS_PER_PAGE = 200;
/** Configurations drawn in the per-class chart: the baseline and the best few (a hundred bars per class help nobody). */
const PER_CLASS_CONFIGS = 5;

type Params = Record<string, string | undefined>;

function svg(html: string, testId: string) {
  return (
    <section
      data-testid={testId}
      className="chart"
      // biome-ignore lint/security/noDangerouslySetInnerHtml: ECharts' server-side SVG, generated here from numbers
      dangerouslySetInnerHTML={{ __html: html }}
    />
  );
}

/**
 * One sweep, live while it runs: progress and workers, the comparison of its configurations against a chosen
 * baseline, learning curves, a heatmap over any two swept parameters, per-class results, and its trials. Every
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
  const sp: Params = Object.fromEntries(
    Object.entries(await searchParams).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]),
  );
  const caller = await api();
  const { launchTarget } = await host();
  const sweep = await caller.sweeps.get({ id }).catch(() => undefined);
  if (!sweep) notFound();

  const swept = Object.keys(sweep.spec.search).sort();
  const metric = sp.metric ?? sweep.spec.objective.metric;
  const correction = sp.correction === "bh" ? "bh" : "holm";
  const x = sp.x && swept.includes(sp.x) ? sp.x : swept[0];
  const y = sp.y && swept.includes(sp.y) && sp.y !== x ? sp.y : swept.find((s) => s !== x);
  const curveMetric = (EPOCH_SERIES_METRICS as readonly string[]).includes(sp.curve ?? "")
    ? (sp.curve as (typeof EPOCH_SERIES_METRICS)[number])
    : "test.balancedAccuracy";
  const stateFilter = sp.state;
  const page = Math.max(1, Number(sp.page) || 1);

  const [trials, compared, curves, heat, perClass] = await Promise.all([
    caller.sweeps.trials({ id }),
    caller.sweeps
      .compare({ id, metric, correction, baseline: sp.baseline })
      .then((table) => ({ table, error: null }))
      .catch((e: Error) => ({ table: undefined, error: e.message })),
    caller.sweeps.curves({ id, metric: curveMetric }),
    x && y ? caller.sweeps.heatmap({ id, x, y, metric }) : Promise.resolve(undefined),
    caller.sweeps.perClass({ id }),
  ]);
  const table = compared.table;
  const p = sweep.progress;
  const running = sweep.status === "running";

  // Per-class views: the baseline and the best configurations by the comparison's metric.
  const ranked = table
    ? [...table.rows].sort(
        (a, b) => (table.direction === "maximize" ? -1 : 1) * (a.summary.mean - b.summary.mean),
      )
    : [];
  const chosen = [
    ...new Set([table?.baseline, ...ranked.map((r) => r.config)].filter((c): c is string => Boolean(c))),
  ].slice(0, PER_CLASS_CONFIGS + 1);
  const classRows = perClass.filter((c) => chosen.length === 0 || chosen.includes(c.config));
  const confusionConfig =
    perClass.find((c) => c.config === sp.config) ??
    perClass.find((c) => c.config === (table?.best?.config ?? ranked[0]?.config)) ??
    perClass[0];
  const classes = perClass[0]?.recall.length ?? 0;
  const minority = perClass[0]?.minorityClasses ?? [];

  const shown = trials.filter((t) => !stateFilter || t.state === stateFilter);
  const pages = Math.max(1, Math.ceil(shown.length / TRIALS_PER_PAGE));
  const pageTrials = shown.slice((page - 1) * TRIALS_PER_PAGE, page * TRIALS_PER_PAGE);

  return (
    <main>
      <AutoSubmit />
      <h1>
        {sweep.project}/{sweep.name} <span className="pill">{sweep.status}</span>{" "}
        <LiveRefresh active={running} />
      </h1>
      <p className="muted">
        created {stamp(sweep.createdAt)} ({age(sweep.createdAt)}) · {sweep.spec.method} search over{" "}
        {swept.join(", ") || "nothing"} · seeds {sweep.spec.seeds.join(", ")} · objective{" "}
        {sweep.spec.objective.metric} ({sweep.spec.objective.direction})
        {sweep.spec.description ? ` · ${sweep.spec.description}` : ""}
      </p>
      <p>
        {running && launchTarget && (
          <CancelButton sweepId={sweep.id} name={`${sweep.project}/${sweep.name}`} />
        )}{" "}
        <a href={`/launch?from=${sweep.id}`}>launch a copy</a> ·{" "}
        <a href={`/api/sweeps/${sweep.id}/export?format=csv`} data-testid="export-csv">
          export CSV
        </a>{" "}
        · <a href={`/api/sweeps/${sweep.id}/export?format=json`}>export JSON</a> ·{" "}
        <a href={`/sweeps/${sweep.id}${query(sp, {})}`}>permalink to this view</a>
      </p>

      <section data-testid="progress">
        <span className="bar" title={`${p.done} of ${p.total}`}>
          <span style={{ width: `${(100 * p.done) / Math.max(1, p.total)}%` }} />
        </span>{" "}
        <strong>
          {p.done}/{p.total}
        </strong>{" "}
        done · {p.counts.succeeded} succeeded · {p.counts.running} running · {p.counts.waiting} queued ·{" "}
        {p.counts.failed} failed · {p.counts.cancelled} cancelled · elapsed {duration(p.elapsedSeconds)}
        {running ? ` · ETA ${duration(p.etaSeconds)}` : ""}
      </section>
      {sweep.workers.length > 0 && (
        <details open={running}>
          <summary>Workers ({sweep.workers.length})</summary>
          <table className="data" data-testid="workers">
            <thead>
              <tr>
                <th>worker</th>
                <th>host</th>
                <th>backend</th>
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
                  <td>{w.status ?? "unknown"}</td>
                  <td className="num">{w.running}</td>
                  <td className="num">{w.finished}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}

      <h2>Which configuration is better</h2>
      <form method="get" className="view-options" data-autosubmit>
        <KeepParams params={sp} except={["metric", "baseline", "correction"]} />
        <label>
          metric
          <select name="metric" defaultValue={metric}>
            {ObjectiveMetricSchema.options.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </label>
        <label>
          baseline
          <select name="baseline" defaultValue={table?.baseline ?? ""}>
            {(table?.rows ?? []).map((r) => (
              <option key={r.config}>{r.config}</option>
            ))}
          </select>
        </label>
        <label>
          correction
          <select name="correction" defaultValue={correction}>
            <option value="holm">Holm (family-wise)</option>
            <option value="bh">Benjamini–Hochberg (FDR)</option>
          </select>
        </label>
        <button type="submit">show</button>
      </form>
      {table ? (
        <ComparisonTable table={table} />
      ) : (
        <p className="muted">{compared.error ?? "Nothing to compare yet."}</p>
      )}

      <h2>Learning curves and the search space</h2>
      <form method="get" className="view-options" data-autosubmit>
        <KeepParams params={sp} except={["curve", "x", "y"]} />
        <label>
          curve
          <select name="curve" defaultValue={curveMetric}>
            {EPOCH_SERIES_METRICS.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </label>
        {swept.length >= 2 && (
          <>
            <label>
              heatmap x
              <select name="x" defaultValue={x}>
                {swept.map((s) => (
                  <option key={s}>{s}</option>
                ))}
              </select>
            </label>
            <label>
              heatmap y
              <select name="y" defaultValue={y}>
                {swept.map((s) => (
                  <option key={s}>{s}</option>
                ))}
              </select>
            </label>
          </>
        )}
        <button type="submit">show</button>
      </form>
      <div className="cards">
        {curves.configs.length > 0 && svg(curvesSvg(curves.metric, curves.configs), "curves")}
        {heat && heat.cells.length > 0 && x && y && svg(heatmapSvg(x, y, heat.metric, heat), "heatmap")}
      </div>

      {classRows.length > 0 && (
        <>
          <h2>Per class</h2>
          <p className="muted">
            Test recall per class over seeds (mean, 95% t interval) for the baseline and the best
            configurations; minority classes (the rarest among the labeled rows) are starred.
          </p>
          <div className="cards">
            {svg(
              perClassSvg(
                "test recall per class (%)",
                classes,
                minority,
                classRows.map((c) => ({
                  config: c.config,
                  mean: c.recall.map((r) => r.mean),
                  ci: c.recall.map((r) => r.ci),
                })),
              ),
              "per-class",
            )}
            {classRows.some((c) => c.pseudoLabelRecall) &&
              svg(
                perClassSvg(
                  "pseudo-label accuracy per class on the unlabeled rows (%)",
                  classes,
                  minority,
                  classRows
                    .filter((c) => c.pseudoLabelRecall)
                    .map((c) => ({
                      config: c.config,
                      mean: c.pseudoLabelRecall!.map((r) => r.mean),
                      ci: c.pseudoLabelRecall!.map((r) => r.ci),
                    })),
                ),
                "pseudo-labels",
              )}
          </div>
          <table className="data" data-testid="per-class-table">
            <thead>
              <tr>
                <th>configuration</th>
                <th className="num">seeds</th>
                {Array.from({ length: classes }, (_, k) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: the index is the class
                  <th key={k} className="num">
                    {k}
                    {minority.includes(k) ? "*" : ""}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {classRows.map((c) => (
                <tr key={c.config}>
                  <td>{c.config}</td>
                  <td className="num">{c.seeds}</td>
                  {c.recall.map((r, k) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: the index is the class
                    <td key={k} className="num" title={`95% CI ${pct(r.ci[0])}–${pct(r.ci[1])}`}>
                      {pct(r.mean)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {confusionConfig && (
            <>
              <form method="get" className="view-options" data-autosubmit>
                <KeepParams params={sp} except={["config"]} />
                <label>
                  confusion matrix of
                  <select name="config" defaultValue={confusionConfig.config}>
                    {perClass.map((c) => (
                      <option key={c.config}>{c.config}</option>
                    ))}
                  </select>
                </label>
                <button type="submit">show</button>
              </form>
              {svg(
                confusionSvg(
                  `averaged over ${confusionConfig.seeds} seeds (% of each true class)`,
                  confusionConfig.confusion.rowNormalized,
                ),
                "confusion",
              )}
            </>
          )}
        </>
      )}

      <h2>Trials</h2>
      <form method="get" className="view-options" data-autosubmit>
        <KeepParams params={sp} except={["state", "page"]} />
        <label>
          state
          <select name="state" defaultValue={stateFilter ?? ""}>
            <option value="">all ({trials.length})</option>
            {(["waiting", "running", "succeeded", "failed", "cancelled"] as const).map((s) => (
              <option key={s} value={s}>
                {s} ({p.counts[s]})
              </option>
            ))}
          </select>
        </label>
        <button type="submit">show</button>
      </form>
      <table className="data" data-testid="trials">
        <thead>
          <tr>
            <th>configuration</th>
            <th className="num">seed</th>
            <th>state</th>
            <th className="num">attempt</th>
            <th>worker</th>
            <th>backend</th>
            <th className="num">s</th>
            <th className="num">balanced acc.</th>
            <th>error</th>
          </tr>
        </thead>
        <tbody>
          {pageTrials.map((t) => (
            <tr key={t.id}>
              <td>
                <a href={`/trials/${encodeURIComponent(t.id)}`}>{t.config}</a>
              </td>
              <td className="num">{t.seed}</td>
              <td>{t.state}</td>
              <td className="num">{t.attempt}</td>
              <td className="mono">{t.workerId ?? ""}</td>
              <td>{t.backend ?? ""}</td>
              <td className="num">{t.seconds === null ? "" : t.seconds.toFixed(0)}</td>
              <td className="num">
                {typeof t.test?.balancedAccuracy === "number" ? pct(t.test.balancedAccuracy) : ""}
              </td>
              <td>{t.error ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {pages > 1 && (
        <p>
          page {page} of {pages}:{" "}
          {Array.from({ length: pages }, (_, i) => i + 1).map((n) => (
            <a key={n} href={query(sp, { page: String(n) })} style={{ marginRight: "0.4rem" }}>
              {n === page ? <strong>{n}</strong> : n}
            </a>
          ))}
        </p>
      )}
    </main>
  );
}
