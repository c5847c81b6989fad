import { PARETO_SIZE, type ParetoOptions, paretoOption, paretoSvg } from "@tailsweep/charts";
import { ObjectiveMetricSchema, RESULT_METRICS, type SweepObjective } from "@tailsweep/schemas";
import { correctionName, intervalWriter, leadText, namesInBrief, pct } from "../lib/format";
import { frontObjective } from "../lib/front-objective";
import { api } from "../server/store";
import { InteractiveChart } from "./interactive-chart";
import { KeepParams } from "./keep-params";
import { ViewForm } from "./view-form";

type Front = NonNullable<Awaited<ReturnType<Awaited<ReturnType<typeof api>>["pareto"]["front"]>>>;

/** The metrics the selects offer: the test set's and the minority class's, then the pseudo-labels'. */
const PARETO_METRICS: readonly string[] = [
  ...new Set<string>([...ObjectiveMetricSchema.options, ...RESULT_METRICS]),
];
/** What the section shows before anything is chosen: the trade-off class-imbalance work is about. */
const DEFAULT_X = "balancedAccuracy";
const DEFAULT_Y = "minorityRecall";

const STATUS: Record<Front["configurations"][number]["status"], string> = {
  front: "on the front",
  dominated: "dominated",
  "not separable": "dominated by means only: not separable",
};

/** The scatter of the two objectives' means, their whiskers, the front's staircase, a label per configuration. */
function frontChart(front: Front) {
  const [x, y] = front.objectives;
  const intervals = intervalWriter();
  const options: ParetoOptions = {
    title: `${x!.metric} × ${y!.metric}: seed means (%) with 95% t intervals, the front by means`,
    xName: `${x!.metric} %`,
    yName: `${y!.metric} %`,
    directions: [x!.direction, y!.direction],
    // shares: an interval is drawn inside [0, 100] %, as the tables print it
    bounds: [0, 100],
    points: front.configurations.map((c) => {
      const [ex, ey] = c.estimates;
      const scaled = (ci: readonly [number, number]): [number, number] => [100 * ci[0], 100 * ci[1]];
      return {
        label: c.config,
        x: 100 * ex!.summary.mean,
        y: 100 * ey!.summary.mean,
        xCi: scaled(ex!.summary.ci),
        yCi: scaled(ey!.summary.ci),
        status: c.status,
        title: `${c.config} (${STATUS[c.status]}): ${c.estimates
          .map((e) => `${e.metric} ${pct(e.summary.mean)} ${intervals.text(e.summary.ci, [0, 1], 1)}`)
          .join(", ")} over ${ex!.summary.n} seeds`,
      };
    }),
  };
  return (
    <InteractiveChart
      svg={paretoSvg(options)}
      option={paretoOption(options)}
      kind="pareto"
      label={options.title}
      unit="%"
      testId="pareto-chart"
      width={PARETO_SIZE.width}
      height={PARETO_SIZE.height}
    />
  );
}

/**
 * The Pareto front of a sweep's configurations over two metrics chosen by two selects (a GET form: no client code),
 * `frontX` and `frontY` in the URL: the scatter of their seed means with t intervals and the front's staircase, a
 * table of each configuration's standing, and the dominance claims with their two-sided paired tests, Holm-corrected
 * (docs/statistics.md P1–P3). It asks the API itself, so the page mounts it with its id and view choices alone, and
 * the sweep's own `objectives` (its first two are what the section shows before anything is chosen). A chosen metric
 * that is one of those objectives is asked for in the objective's direction: without it the API would take the
 * metric's own, else maximize, and draw another front than the sweep's for a metric the sweep minimises. Every
 * metric offered is a share in [0, 1] (pseudoClassShift a total variation distance), so all print in percent.
 */
export async function ParetoSection({
  id,
  sp,
  objectives,
}: {
  id: string;
  sp: Record<string, string | undefined>;
  objectives?: readonly SweepObjective[];
}) {
  const fx =
    sp.frontX && PARETO_METRICS.includes(sp.frontX) ? sp.frontX : (objectives?.[0]?.metric ?? DEFAULT_X);
  const fy =
    sp.frontY && PARETO_METRICS.includes(sp.frontY) ? sp.frontY : (objectives?.[1]?.metric ?? DEFAULT_Y);
  const correction = sp.correction === "bh" ? "bh" : "holm";
  const caller = await api();
  const answer =
    fx === fy
      ? { front: undefined, error: "pick two different metrics: a front needs two objectives" }
      : await caller.pareto
          .front({ id, objectives: [fx, fy].map((metric) => frontObjective(metric, objectives)), correction })
          .then((front) => ({ front: front ?? undefined, error: null }))
          .catch((e: Error) => ({ front: undefined, error: e.message }));
  const intervals = intervalWriter();
  const front = answer.front;
  return (
    <section data-testid="pareto">
      <h2>Pareto front</h2>
      <p className="muted">
        Which configurations no other beats on both metrics at once, by their seed means; and which of those
        &ldquo;beats&rdquo; the seeds back: a two-sided paired t-test on the seeds both ran for each metric a
        dominating configuration leads on, {correctionName(correction)}-corrected across every claim, backing
        the lead when significant with the paired difference its way. &ldquo;Not worse&rdquo; on the other
        metric rests on the means.
      </p>
      <ViewForm>
        <KeepParams params={sp} except={["frontX", "frontY"]} />
        <label>
          x
          <select name="frontX" defaultValue={fx} key={`frontX=${fx}`}>
            {PARETO_METRICS.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </label>
        <label>
          y
          <select name="frontY" defaultValue={fy} key={`frontY=${fy}`}>
            {PARETO_METRICS.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </label>
        <button type="submit">show</button>
      </ViewForm>
      {!front ? (
        <p className="muted" data-testid="pareto-unavailable">
          {answer.error}
        </p>
      ) : (
        <>
          <div className="cards">{frontChart(front)}</div>
          <table className="data" data-testid="pareto-table">
            <thead>
              <tr>
                <th>configuration</th>
                {front.objectives.map((o) => (
                  <th key={o.metric} className="num">
                    {o.metric} ({o.direction === "maximize" ? "max" : "min"}) [95% CI]
                  </th>
                ))}
                <th className="num">seeds</th>
                <th>standing</th>
                <th>dominated by (means)</th>
              </tr>
            </thead>
            <tbody>
              {front.configurations.map((c) => (
                <tr key={c.configKey} className={c.status === "dominated" ? "muted" : undefined}>
                  <td>{c.config}</td>
                  {c.estimates.map((e) => (
                    <td key={e.metric} className="num">
                      {pct(e.summary.mean)} {intervals.text(e.summary.ci, [0, 1], 1)}
                    </td>
                  ))}
                  <td className="num">{c.estimates.map((e) => e.summary.n).join(" / ")}</td>
                  <td>{STATUS[c.status]}</td>
                  <td>{namesInBrief(c.dominatedBy)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {front.claims.length > 0 && (
            <ul data-testid="pareto-claims">
              {front.claims.map((claim) => (
                <li key={`${claim.dominant}\u0000${claim.dominated}`}>
                  {claim.dominant} dominates {claim.dominated}:{" "}
                  <strong>{claim.backed ? "backed" : "by means only, not separable"}</strong> —{" "}
                  {claim.tests.map((t) => (t.lead === "tie" ? `${t.metric} tied` : leadText(t))).join("; ")}
                  {claim.posthocRevisions.length > 0 ? " †" : ""}
                </li>
              ))}
            </ul>
          )}
          {[
            ...intervals.notes(front.configurations.flatMap((c) => c.estimates.map((e) => e.summary.n))),
            ...front.excluded.map((e) => `left out: ${e.config} (${e.reason})`),
            ...front.notes,
          ].map((note) => (
            <p key={note} className="muted">
              {note}
            </p>
          ))}
        </>
      )}
    </section>
  );
}
