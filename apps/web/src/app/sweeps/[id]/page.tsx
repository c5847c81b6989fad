import { notFound } from "next/navigation";
import { curvesSvg, heatmapSvg } from "../../../server/charts";
import { api } from "../../../server/store";

export const dynamic = "force-dynamic";

const pct = (v: number, digits = 1) => (Number.isFinite(v) ? (100 * v).toFixed(digits) : "—");
const pValue = (p: number | undefined) =>
  p === undefined || Number.isNaN(p) ? "—" : p < 0.001 ? "<0.001" : p.toFixed(3);

/** One sweep: progress, the comparison of its configurations against the baseline, and its trials. */
export default async function SweepPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const caller = await api();
  const sweep = await caller.sweeps.get({ id }).catch(() => undefined);
  if (!sweep) notFound();
  const swept = Object.keys(sweep.spec.search).sort();
  const [trials, table, curves, heat] = await Promise.all([
    caller.sweeps.trials({ id }),
    caller.sweeps.compare({ id }).catch(() => undefined),
    caller.sweeps.curves({ id, metric: "test.balancedAccuracy" }),
    swept.length >= 2
      ? caller.sweeps.heatmap({ id, x: swept[0]!, y: swept[1]! })
      : Promise.resolve(undefined),
  ]);
  const c = sweep.counts;
  return (
    <main>
      <h1 style={{ fontSize: "1.3rem" }}>
        {sweep.project}/{sweep.name} <small>({sweep.status})</small>
      </h1>
      <p>
        {c.succeeded} succeeded · {c.running} running · {c.waiting} queued · {c.failed} failed · {c.cancelled}{" "}
        cancelled, of {sweep.trialCount}
      </p>
      {table && (
        <section>
          <h2 style={{ fontSize: "1.1rem" }}>
            {table.metric} ({table.direction}) against {table.baseline}
          </h2>
          <table cellPadding={5} style={{ borderCollapse: "collapse" }} data-testid="comparison">
            <thead>
              <tr>
                <th align="left">configuration</th>
                <th align="right">seeds</th>
                <th align="right">mean [95% CI]</th>
                <th align="right">Δ [95% CI]</th>
                <th align="right">p</th>
                <th align="right">p ({table.correction})</th>
                <th align="right">effect</th>
                <th align="right">seeds for 80%</th>
                <th align="left">verdict</th>
              </tr>
            </thead>
            <tbody>
              {table.rows.map((r) => {
                const v = r.vsBaseline;
                const cmp = v?.comparison;
                return (
                  <tr key={r.config}>
                    <td>{r.config === table.baseline ? `${r.config} (baseline)` : r.config}</td>
                    <td align="right">{r.summary.n}</td>
                    <td align="right">
                      {pct(r.summary.mean)} [{pct(r.summary.ci[0])}, {pct(r.summary.ci[1])}]
                    </td>
                    <td align="right">
                      {cmp ? `${pct(cmp.meanDiff, 2)} [${pct(cmp.ci[0], 2)}, ${pct(cmp.ci[1], 2)}]` : ""}
                      {cmp?.method === "welch" ? " (welch)" : ""}
                    </td>
                    <td align="right">{v ? pValue(v.p) : ""}</td>
                    <td align="right">{v ? pValue(v.pAdjusted) : ""}</td>
                    <td align="right">{cmp ? (cmp.method === "paired" ? cmp.dz : cmp.d).toFixed(2) : ""}</td>
                    <td align="right">
                      {v && Number.isFinite(v.seedsNeeded) ? v.seedsNeeded : v ? "—" : ""}
                    </td>
                    <td>{v?.verdict ?? ""}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {table.best && (
            <p>
              Best: {table.best.config}, best in {(100 * table.best.probabilityBest).toFixed(0)}% of seed
              resamples
              {table.best.beatsAllOthers ? ", significantly better than every other configuration." : "."}
            </p>
          )}
        </section>
      )}
      {curves.configs.length > 0 && (
        <section
          data-testid="curves"
          // server-rendered SVG from ECharts (apps/web/src/server/charts.ts)
          // biome-ignore lint/security/noDangerouslySetInnerHtml: the SVG is generated here from numbers, not user HTML
          dangerouslySetInnerHTML={{ __html: curvesSvg(curves.metric, curves.configs) }}
        />
      )}
      {heat && heat.cells.length > 0 && (
        <section
          data-testid="heatmap"
          // biome-ignore lint/security/noDangerouslySetInnerHtml: the SVG is generated here from numbers, not user HTML
          dangerouslySetInnerHTML={{ __html: heatmapSvg(swept[0]!, swept[1]!, heat.metric, heat) }}
        />
      )}
      <h2 style={{ fontSize: "1.1rem" }}>Trials</h2>
      <table cellPadding={5} style={{ borderCollapse: "collapse" }} data-testid="trials">
        <thead>
          <tr>
            <th align="left">configuration</th>
            <th align="right">seed</th>
            <th align="left">state</th>
            <th align="right">attempt</th>
            <th align="left">backend</th>
            <th align="right">balanced acc.</th>
            <th align="left">error</th>
          </tr>
        </thead>
        <tbody>
          {trials.map((t) => (
            <tr key={t.id}>
              <td>
                <a href={`/trials/${encodeURIComponent(t.id)}`}>{t.config}</a>
              </td>
              <td align="right">{t.seed}</td>
              <td>{t.state}</td>
              <td align="right">{t.attempt}</td>
              <td>{t.backend ?? ""}</td>
              <td align="right">
                {typeof t.test?.balancedAccuracy === "number" ? pct(t.test.balancedAccuracy) : ""}
              </td>
              <td>{t.error ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
