import {
  CONFIG_COLUMN,
  nextSort,
  TRIAL_STATES,
  type TrialColumn,
  topUpTarget,
  trialTableView,
} from "@tailsweep/analysis";
import { NAMED_PER_REASON } from "@tailsweep/analysis/failure-summary";
import {
  classLabel,
  curvesOption,
  type ParallelOptions,
  parallelCoordinatesOption,
  parallelCoordinatesSvg,
  parallelWidth,
  perClassOption,
  perClassSvg,
  renderSvg,
  seriesColours,
} from "@tailsweep/charts";
import {
  CONFIG_ERROR_CODE,
  DEFAULT_TOP_UP_MAX_SEEDS,
  formatCount,
  inBrief,
  ObjectiveMetricSchema,
  plural,
  type SequentialDesign,
} from "@tailsweep/schemas";
import type { SequentialLookResult } from "@tailsweep/stats";
import { EPOCH_SERIES_METRICS, paramValue } from "@tailsweep/sweep";
import { TagChips } from "../../../../components/annotations";
import {
  ComparisonTable,
  ConfirmationTable,
  CorrectionChoice,
} from "../../../../components/comparison-table";
import { HeatTable } from "../../../../components/heat-table";
import { InteractiveChart } from "../../../../components/interactive-chart";
import { KeepParams } from "../../../../components/keep-params";
import { ConfirmButton, TopUpButton } from "../../../../components/sweep-actions";
import { ViewForm } from "../../../../components/view-form";
import {
  capitalised,
  decisionText,
  intervalWriter,
  isShare,
  pct,
  plainInterval,
  pValue,
  query,
  refusedTrialsText,
  withPlus,
} from "../../../../lib/format";
import type { api } from "../../../../server/store";

// Every view choice's <select> is keyed by the value the server chose: a live refresh (router.refresh) that changes
// it must show it, not the option picked at mount — defaultValue applies on mount only (issue #20 bug 3).

// The sweep page's sections. Each awaits only what it shows, inside its own Suspense boundary, so the page streams:
// the header and progress paint at once, and each section follows as its numbers are ready.

type Caller = Awaited<ReturnType<typeof api>>;
/** A procedure's answer, started on first use and shared by the sections that show it (see `later`). */
export type Pending<T> = () => Promise<T>;
type Answer<P extends (...args: never[]) => unknown> = Pending<Awaited<ReturnType<P>>>;
export type Compared = Pending<
  | { table: Awaited<ReturnType<Caller["sweeps"]["compare"]>>; error: null }
  | { table: undefined; error: string }
>;

/**
 * Why trials failed, as `sweep status` says it: one line per reason with its count and the first trials (linked),
 * and, where the model refused a configuration (CONFIG_INVALID, stored with the failure), that a retry fails those the
 * same way. Nothing where none failed.
 */
export function FailuresSection({
  failures,
}: {
  failures: readonly {
    reason: string;
    count: number;
    code: string | null;
    trials: readonly { id: string; config: string; seed: number }[];
  }[];
}) {
  if (failures.length === 0) return null;
  const failed = failures.reduce((n, f) => n + f.count, 0);
  const refused = failures.reduce((n, f) => n + (f.code === CONFIG_ERROR_CODE ? f.count : 0), 0);
  return (
    <section data-testid="failures">
      <ul className="failures">
        {failures.map((f) => {
          // as sweep status names them: a list one longer says its last rather than "and 1 more"
          const named = inBrief(f.trials, { shown: NAMED_PER_REASON, total: f.count });
          return (
            // a refused group may read as an uncoded one of failures stored before codes were
            <li key={`${f.code ?? ""}:${f.reason}`}>
              {plural(f.count, "trial")} failed: <span className="reason">{f.reason}</span> (
              {named.shown.map((t, i) => (
                <span key={t.id}>
                  {i > 0 && "; "}
                  <a href={`/trials/${encodeURIComponent(t.id)}`}>
                    {t.config} seed {t.seed}
                  </a>
                </span>
              ))}
              {named.more > 0 && ` and ${formatCount(named.more)} more`})
            </li>
          );
        })}
      </ul>
      {refused > 0 && (
        <p className="muted" data-testid="refused-trials">
          {capitalised(refusedTrialsText(refused, failed))}.
        </p>
      )}
    </section>
  );
}

/**
 * Runs `start` once, on first use, after the current task: the page's sections ask for their numbers while React
 * renders the shell, and the statistics and charts are CPU work on the same thread, so starting them a moment
 * later (SHELL_FIRST_MS; one task was not always enough for Next to write the shell) lets the header and progress
 * go out first.
 */
const SHELL_FIRST_MS = 20;
export function later<T>(start: () => Promise<T>): Pending<T> {
  let answer: Promise<T> | undefined;
  return () => {
    answer ??= new Promise<void>((r) => setTimeout(r, SHELL_FIRST_MS)).then(start);
    return answer;
  };
}
/** The view's choices, from the URL. */
export type Params = Record<string, string | undefined>;

const TRIALS_PER_PAGE = 100;
/**
 * Configurations drawn in the curves and per-class charts: the baseline and the best few (a hundred lines or bars
 * per class help nobody, and would make the page megabytes of SVG).
 */
const DRAWN_CONFIGS = 5;

/** The baseline and the best configurations by the comparison's metric, best first; empty before any finished. */
function drawnConfigs(table: Awaited<ReturnType<Compared>>["table"]): string[] {
  if (!table) return [];
  const sign = table.direction === "maximize" ? -1 : 1;
  const ranked = [...table.rows]
    .sort((a, b) => sign * (a.summary.mean - b.summary.mean))
    .map((r) => r.config);
  return [...new Set([table.baseline, ...ranked])].slice(0, DRAWN_CONFIGS + 1);
}

/**
 * One colour per drawn configuration, the same in the curves and the per-class charts (both draw from the same
 * `drawnConfigs`); before anything finished each chart colours its own configurations.
 */
function configColours(chosen: string[]): Map<string, string> | undefined {
  return chosen.length > 0 ? seriesColours(chosen) : undefined;
}

/**
 * The drawn configurations' learning curves: each from its finished trials (labelled with their seeds), and the
 * trials still running as a dashed partial curve of the same colour (issue #20 bug 5: running and cancelled trials
 * were averaged in, so a curve's seeds changed from epoch to epoch, and a running configuration vanished once another
 * finished).
 */
function curvesChart(
  metric: string,
  drawn: Awaited<ReturnType<Caller["sweeps"]["curves"]>>["configs"],
  chosen: string[],
) {
  const colours = configColours(chosen) ?? seriesColours(drawn.map((c) => c.config));
  // accuracies and F1 are shares: in percent, as the tables print them; the losses as they are
  const share = !metric.startsWith("loss.");
  const inUnits = (p: { epoch: number; mean: number; ci: [number, number] }) =>
    share ? { epoch: p.epoch, mean: 100 * p.mean, ci: [100 * p.ci[0], 100 * p.ci[1]] as const } : p;
  const named = new Map<string, string>();
  const series = drawn.flatMap((c) => {
    const colour = colours.get(c.config);
    const finished = `${c.config} (${c.seeds} seed${c.seeds === 1 ? "" : "s"})`;
    const runningSeeds = c.running.reduce((n, p) => Math.max(n, p.n), 0);
    const running = `${c.config} (running: ${runningSeeds})`;
    if (colour) {
      named.set(finished, colour);
      named.set(running, colour);
    }
    return [
      ...(c.points.length > 0 ? [{ config: finished, points: c.points.map(inUnits) }] : []),
      ...(c.running.length > 0 ? [{ config: running, points: c.running.map(inUnits), partial: true }] : []),
    ];
  });
  const option = curvesOption(share ? `${metric} (%)` : metric, series, named, share ? [0, 100] : undefined);
  return (
    <InteractiveChart
      svg={renderSvg(option)}
      option={option}
      kind="curves"
      label={`learning curves: ${metric} by epoch, a line per configuration`}
      unit={share ? "%" : ""}
      testId="curves"
      width={760}
      height={320}
    />
  );
}

/** The comparison table against the chosen baseline, with the metric, baseline and correction to choose from. */
export async function ComparisonSection({
  compared,
  sp,
  metric,
  correction,
  topUp,
}: {
  compared: Compared;
  sp: Params;
  metric: string;
  correction: "holm" | "bh";
  /** The sweep's id where the caller may add seeds to it: then open comparisons get a top-up button. */
  topUp?: string;
}) {
  const { table, error } = await compared();
  // Open comparisons and the seeds 80 % power asks for, capped as the top-up caps them.
  // comparisons a sequential design left undecided are the open ones (docs/statistics.md, "Sequential design")
  const { open, seeds: target } = topUpTarget(
    table?.rows ?? [],
    DEFAULT_TOP_UP_MAX_SEEDS,
    table?.designDecisions,
  );
  // Offered only where it can add a seed: comparisons already at the cap stay open, and a button that then says
  // "nothing to add" helps no one. Trials in any state count, as the top-up counts them: a running sweep's waiting
  // trials are seeds it has.
  const baselineRow = table?.rows.find((r) => r.config === table.baseline);
  const canTopUp = [...open, ...(baselineRow ? [baselineRow] : [])].some((r) => r.trials < target);
  // The configuration "Confirm" runs, named on the button, as the API would choose it: the one furthest ahead of the
  // baseline seed by seed; none where none is ahead or a confirmation already ran it (its table follows).
  const toConfirm = table?.toConfirm;
  return (
    <>
      <h2>Which configuration is better</h2>
      <ViewForm>
        <KeepParams params={sp} except={["metric", "baseline", "correction"]} />
        <label>
          metric
          <select name="metric" defaultValue={metric} key={`metric=${metric}`}>
            {/* a metric the link named (a result path such as parameterCount) stays chosen, not shown as the first */}
            {[...new Set<string>([...ObjectiveMetricSchema.options, metric])].map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </label>
        <label>
          baseline
          <select
            name="baseline"
            defaultValue={table?.baseline ?? ""}
            key={`baseline=${table?.baseline ?? ""}`}
          >
            {(table?.rows ?? []).map((r) => (
              <option key={r.config}>{r.config}</option>
            ))}
          </select>
        </label>
        <CorrectionChoice value={correction} />
        <button type="submit">show</button>
      </ViewForm>
      {table ? (
        <>
          <ComparisonTable table={table} />
          {topUp && ((open.length > 0 && canTopUp) || toConfirm) && (
            <p data-testid="top-up">
              {open.length > 0 && canTopUp && (
                <TopUpButton
                  sweepId={topUp}
                  baseline={table.baseline}
                  metric={metric}
                  correction={correction}
                  undecided={open.length}
                  target={target}
                />
              )}{" "}
              {toConfirm && (
                <ConfirmButton
                  sweepId={topUp}
                  baseline={table.baseline}
                  config={toConfirm.config}
                  seeds={Math.max(5, table.rows.find((r) => r.config === table.baseline)?.summary.n ?? 0)}
                />
              )}
            </p>
          )}
          {table.confirmations.map((c) => (
            <ConfirmationTable key={c.revision} confirmation={c} />
          ))}
        </>
      ) : (
        <p className="muted">{error ?? "Nothing to compare yet."}</p>
      )}
    </>
  );
}

type Importance = Awaited<ReturnType<Caller["sweeps"]["importance"]>>;
export type ImportanceAnswer = Pending<
  { view: Importance; error: null } | { view: undefined; error: string }
>;
type Effect = NonNullable<Importance["anova"]>["effects"][number];

const EFFECT_KINDS: Record<Effect["kind"], string> = {
  main: "main effect",
  interaction: "interaction",
  "higher-order": "higher-order rest",
};

/** The parallel-coordinates chart: an axis per swept knob and the metric's configuration mean last, a line each. */
function parallelChart(view: Importance) {
  const intervals = intervalWriter();
  const options: ParallelOptions = {
    title: `${view.metric} (seed mean, %) over the swept knobs, one line per configuration`,
    axes: view.knobs.map((k) => ({
      name: k.knob,
      scale: k.scale,
      ...(k.scale === "category" && k.levels && { categories: k.levels }),
    })),
    valueName: `${view.metric} (%)`,
    lines: view.configurations.map((c) => ({
      values: view.knobs.map((k) => c.values[k.knob]!),
      value: 100 * c.mean,
      title: `${c.config}: ${pct(c.mean)} %, ${
        c.seeds >= 2
          ? `95% t interval ${intervals.text(c.ci, [0, 1], 1)} over ${c.seeds} seeds`
          : "one seed, no interval"
      }`,
    })),
  };
  return (
    <InteractiveChart
      svg={parallelCoordinatesSvg(options)}
      option={parallelCoordinatesOption(options)}
      kind="parallel"
      label={options.title}
      unit="%"
      testId="parallel-coordinates"
      width={parallelWidth(options)}
      height={340}
    />
  );
}

/** One row of the importance table. */
function EffectRow({ effect: e }: { effect: Effect }) {
  return (
    <tr className={e.exceedsNoise === false ? "muted" : undefined}>
      <td>
        {e.kind === "higher-order" ? "everything else (3 or more knobs together)" : e.knobs.join(" × ")}
      </td>
      <td>{EFFECT_KINDS[e.kind]}</td>
      <td className="num">{e.share === null ? "—" : pct(e.share)}</td>
      <td className="num">{e.noiseShare === null ? "—" : pct(e.noiseShare)}</td>
      <td className="num">{pValue(e.p)}</td>
      <td>{e.exceedsNoise === null ? "no noise estimate" : e.exceedsNoise ? "" : "≈ noise"}</td>
    </tr>
  );
}

/**
 * What matters: each swept knob's share of the variance of the configuration means (main effect) and each pair's
 * (interaction), by functional ANOVA on a full grid, beside the seed noise; and the configurations in parallel
 * coordinates (hover a line for its configuration, mean and interval).
 */
export async function ImportanceSection({ importanceOf }: { importanceOf: ImportanceAnswer }) {
  const { view, error } = await importanceOf();
  if (!view) return error ? <p className="muted">{error}</p> : null;
  const { anova } = view;
  return (
    <>
      <h2>What matters</h2>
      <p className="muted" data-testid="importance-method">
        How much of the spread of the configurations&apos; {view.metric} means each swept knob explains on its
        own (main effect), and each pair together beyond its two main effects (interaction). Method:{" "}
        {view.method}.{view.constant.length > 0 && ` Left out, one value each: ${view.constant.join(", ")}.`}
      </p>
      {anova ? (
        <table className="data" data-testid="importance">
          <thead>
            <tr>
              <th>knob</th>
              <th>term</th>
              <th className="num" title="share of the variance of the configuration means">
                share of variance %
              </th>
              <th className="num" title="the share seed noise alone would give this term on average">
                seed noise alone %
              </th>
              <th className="num" title="F test of the term against the seed variance">
                p
              </th>
              <th>against seed noise</th>
            </tr>
          </thead>
          <tbody>
            {[...anova.effects, ...(anova.higherOrder ? [anova.higherOrder] : [])].map((e) => (
              <EffectRow key={e.knobs.join("\u0000")} effect={e} />
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted" data-testid="importance-unavailable">
          No importance: {view.unavailable}.
        </p>
      )}
      {view.noiseNote && (
        <p className="muted" data-testid="seed-noise">
          {view.noiseNote}
        </p>
      )}
      {view.configurations.length > 0 && view.knobs.length > 0 && (
        <div className="cards">{parallelChart(view)}</div>
      )}
    </>
  );
}

export type SequentialAnswer = Answer<Caller["sweeps"]["sequential"]>;

/**
 * A sequential design's decisions (docs/statistics.md, "Sequential design"): the look the trials so far are for, each
 * comparison with the baseline with its decision and adjusted p, and what it waits for; a TPE search's stage (search,
 * then the decision on fresh seeds).
 */
export async function SequentialSection({
  sequentialOf,
  design,
}: {
  sequentialOf: SequentialAnswer;
  design: Pick<SequentialDesign, "decide">;
}) {
  const status = await sequentialOf();
  if (!status) return null;
  const { decide } = design;
  const how = `against ${decide.baseline} on ${decide.metric}, family-wise α = ${decide.alpha} (${decide.correction})`;
  return (
    <>
      <h2>Sequential design</h2>
      <p data-testid="sequential-stage">
        {status.blocked
          ? `No look taken of the ${status.looks.length} planned (${status.looks.join(", ")} seeds), ${how}.`
          : status.stage === "search"
            ? `Search stage: the best ${decide.top} configurations are then decided ${how}, on fresh seeds in up to ${status.looks.length} looks (${status.looks.join(", ")} seeds).`
            : `${status.stage === "decision" ? `Decision stage (the search's best ${decide.top}, on fresh seeds): ` : ""}look ${status.look + 1} of ${status.looks.length} (${status.looks.join(", ")} seeds), ${how}.`}
      </p>
      {status.waiting && (
        <p className="muted" data-testid="sequential-waiting">
          {status.waiting}
        </p>
      )}
      {status.result && <DecisionsTable result={status.result} />}
      {status.previous && (
        <>
          <p data-testid="sequential-previous">
            As of look {status.previous.look + 1}, standing until look {status.look + 1} is taken:
          </p>
          <DecisionsTable result={status.previous.result} />
        </>
      )}
    </>
  );
}

/** A look's decisions: each comparison with the baseline, where it stopped, its seeds, Δ and the design's p. */
function DecisionsTable({ result }: { result: SequentialLookResult }) {
  return (
    <table className="data" data-testid="sequential">
      <thead>
        <tr>
          <th>configuration</th>
          <th>decision</th>
          <th>seeds stopped</th>
          <th className="num">seeds</th>
          <th className="num" title="mean of configuration − baseline over the matched seeds">
            Δ vs baseline
          </th>
          <th
            className="num"
            title="the design's repeated p-value, adjusted across the family: not the comparison table's fixed-n p"
          >
            adjusted p (design)
          </th>
        </tr>
      </thead>
      <tbody>
        {result.rows.map((r) => (
          <tr key={r.config}>
            <td className="mono">{r.config}</td>
            <td>{decisionText(r.decision)}</td>
            <td>{r.stopped ? `${r.stopped} at look ${(r.stoppedAt ?? 0) + 1}` : "runs on"}</td>
            <td className="num">{r.seeds}</td>
            <td className="num">{withPlus(pct(r.meanDiff, 2))}</td>
            <td className="num">{pValue(r.adjustedP)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Learning curves of the drawn configurations and the heatmap over two swept parameters, with their choices. */
export async function ChartsSection({
  compared,
  curvesOf,
  heatOf,
  sp,
  swept,
  x,
  y,
  curveMetric,
  metric,
}: {
  compared: Compared;
  curvesOf: Answer<Caller["sweeps"]["curves"]>;
  heatOf: Pending<Awaited<ReturnType<Caller["sweeps"]["heatmap"]>> | undefined>;
  sp: Params;
  swept: string[];
  x: string | undefined;
  y: string | undefined;
  curveMetric: string;
  metric: string;
}) {
  const [{ table }, curves, heat] = await Promise.all([compared(), curvesOf(), heatOf()]);
  const chosen = drawnConfigs(table);
  // The baseline and the best, and any configuration still running with nothing finished yet (it has no row in the
  // table, and would vanish from the chart the moment another configuration finished).
  const drawnCurves = curves.configs.filter(
    (c) => chosen.length === 0 || chosen.includes(c.config) || c.points.length === 0,
  );
  // heatmap cells by row (y) and column (x), undefined where nothing finished
  const byPair = new Map(heat?.cells.map((c) => [`${c.x}\u0000${c.y}`, c]));
  const cells = (heat?.yValues ?? []).map((yv) => heat!.xValues.map((xv) => byPair.get(`${xv}\u0000${yv}`)));
  return (
    <>
      <h2>Learning curves and the search space</h2>
      <ViewForm>
        <KeepParams params={sp} except={["curve", "x", "y"]} />
        <label>
          curve
          <select name="curve" defaultValue={curveMetric} key={`curve=${curveMetric}`}>
            {EPOCH_SERIES_METRICS.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </label>
        {swept.length >= 2 && (
          <>
            <label>
              heatmap x
              <select name="x" defaultValue={x} key={`x=${x}`}>
                {swept.map((s) => (
                  <option key={s}>{s}</option>
                ))}
              </select>
            </label>
            <label>
              heatmap y
              <select name="y" defaultValue={y} key={`y=${y}`}>
                {swept.map((s) => (
                  <option key={s}>{s}</option>
                ))}
              </select>
            </label>
          </>
        )}
        <button type="submit">show</button>
      </ViewForm>
      {drawnCurves.length < curves.configs.length && (
        <p className="muted">
          Showing {drawnCurves.length} of {curves.configs.length} configurations: the baseline and the best by{" "}
          {metric}.
        </p>
      )}
      {(table?.confirmations.length ?? 0) > 0 && (
        <p className="muted" data-testid="curves-confirmation-note">
          The curves are over every finished seed, the confirmation&apos;s fresh ones included; the tables
          above and the per-class results below are over the selection&apos;s.
        </p>
      )}
      <div className="cards">
        {drawnCurves.length > 0 && curvesChart(curves.metric, drawnCurves, chosen)}
        {heat && heat.cells.length > 0 && x && y && (
          <HeatTable
            testId="heatmap"
            caption={`${heat.metric} (seed mean${isShare(heat.metric) ? ", %" : ""}) over ${x} × ${y}`}
            rowName={y}
            columnName={x}
            rows={heat.yValues}
            columns={heat.xValues}
            // a share in percent; a result path (parameterCount) as it is, as the comparison table writes it
            values={cells.map((row) =>
              row.map((cell) => cell && (isShare(heat.metric) ? 100 * cell.mean : cell.mean)),
            )}
            titles={cells.map((row) =>
              row.map(
                (cell) =>
                  cell &&
                  `95% CI ${isShare(heat.metric) ? `${pct(cell.ci[0])}–${pct(cell.ci[1])}` : plainInterval(cell.ci)} over ${cell.n} runs`,
              ),
            )}
          />
        )}
      </div>
    </>
  );
}

/** A per-class chart, drawn on the server and live in the browser (values in percent, as the table prints them). */
function perClassChart(
  title: string,
  classes: number,
  minority: readonly number[],
  configs: Parameters<typeof perClassOption>[3],
  colours: Map<string, string> | undefined,
  testId: string,
  axis: "class" | "rank",
) {
  return (
    <InteractiveChart
      svg={perClassSvg(title, classes, minority, configs, colours, axis)}
      option={perClassOption(title, classes, minority, configs, colours, axis)}
      kind="bars"
      label={title}
      unit="%"
      testId={testId}
      width={760}
      height={340}
    />
  );
}

/** Per-class recall and pseudo-label accuracy of the drawn configurations, and one averaged confusion matrix. */
export async function PerClassSection({
  compared,
  perClassOf,
  sp,
}: {
  compared: Compared;
  perClassOf: Answer<Caller["sweeps"]["perClass"]>;
  sp: Params;
}) {
  const [{ table }, perClass] = await Promise.all([compared(), perClassOf()]);
  const chosen = drawnConfigs(table);
  const classRows = perClass.filter((c) => chosen.length === 0 || chosen.includes(c.config));
  const confusionConfig =
    perClass.find((c) => c.config === sp.config) ??
    perClass.find((c) => c.config === (table?.best?.config ?? chosen[1] ?? chosen[0])) ??
    perClass[0];
  const classes = perClass[0]?.recall.length ?? 0;
  const minority = perClass[0]?.minorityClasses ?? [];
  const axis = perClass[0]?.classAxis ?? "class";
  return (
    <>
      {classRows.length > 0 && (
        <>
          <h2>Per class</h2>
          <p className="muted">
            Test recall per class over seeds (mean, 95% t interval) for the baseline and the best
            configurations; minority classes (the rarest among the labeled rows) are starred.
            {axis === "rank" &&
              " The class order is drawn per seed, so a different class is the tail on every seed: the columns are ranks in the long tail (r1 the head), each seed's class of that rank."}
          </p>
          <div className="cards">
            {perClassChart(
              "test recall per class (%)",
              classes,
              minority,
              classRows.map((c) => ({
                config: c.config,
                mean: c.recall.map((r) => r.mean),
                ci: c.recall.map((r) => r.ci),
              })),
              configColours(chosen),
              "per-class",
              axis,
            )}
            {classRows.some((c) => c.pseudoLabelRecall) &&
              perClassChart(
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
                configColours(chosen),
                "pseudo-labels",
                axis,
              )}
          </div>
          <table className="data" data-testid="per-class-table">
            {/* under the pseudo-label chart it was read as pseudo-label accuracy */}
            <caption>
              Test recall per class (%), mean over seeds; each cell&apos;s title holds its 95% t interval
            </caption>
            <thead>
              <tr>
                <th>configuration</th>
                <th className="num">seeds</th>
                {Array.from({ length: classes }, (_, k) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: the index is the class
                  <th key={k} className="num">
                    {classLabel(k, axis)}
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
              <ViewForm>
                <KeepParams params={sp} except={["config"]} />
                <label>
                  confusion matrix of
                  <select
                    name="config"
                    defaultValue={confusionConfig.config}
                    key={`config=${confusionConfig.config}`}
                  >
                    {perClass.map((c) => (
                      <option key={c.config}>{c.config}</option>
                    ))}
                  </select>
                </label>
                <button type="submit">show</button>
              </ViewForm>
              <HeatTable
                testId="confusion"
                caption={`${confusionConfig.config}: confusion matrix averaged over ${confusionConfig.seeds} seeds (% of each true class)`}
                rowName={axis === "rank" ? "true class (tail rank)" : "true class"}
                columnName="predicted"
                rows={confusionConfig.confusion.rowNormalized.map((_, k) => classLabel(k, axis))}
                columns={confusionConfig.confusion.rowNormalized.map((_, k) => classLabel(k, axis))}
                values={confusionConfig.confusion.rowNormalized.map((row) => row.map((v) => 100 * v))}
              />
            </>
          )}
        </>
      )}
    </>
  );
}

type TrialRow = Awaited<ReturnType<Caller["sweeps"]["trials"]>>[number];

/** The most characters of a trial's notes its row carries, for hover: notes may be 16 kB, and a page has 100 rows. */
const NOTES_ON_HOVER = 300;
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * One cell of the trials table: the configuration links to its trial page, metrics as percentages, a tag to the
 * table filtered by it.
 */
function TrialCell({ trial: t, column: c, sp }: { trial: TrialRow; column: TrialColumn; sp: Params }) {
  const num = c.numeric ? "num" : undefined;
  switch (c.kind) {
    case "config":
      return (
        <td>
          <a href={`/trials/${encodeURIComponent(t.id)}`}>{t.config}</a>
        </td>
      );
    case "knob":
      return <td className={num}>{t.params[c.id] === undefined ? "" : paramValue(t.params[c.id])}</td>;
    case "metric":
      return <td className="num">{pct(t.metrics?.[c.id])}</td>;
  }
  switch (c.id) {
    case "seed":
      return <td className="num">{t.seed}</td>;
    case "state":
      return <td>{t.state}</td>;
    case "attempt":
      return <td className="num">{t.attempt}</td>;
    case "worker":
      return <td className="mono">{t.workerId ?? ""}</td>;
    case "backend":
      return (
        <td>
          {t.backend ?? ""}
          {t.gpu && !t.backend ? <span title="needs a GPU worker (execution.gpu)">GPU</span> : ""}
        </td>
      );
    case "seconds":
      return <td className="num">{t.seconds === null ? "" : t.seconds.toFixed(0)}</td>;
    case "tags":
      // the notes' start on hover (the trial page has them whole)
      return (
        <td title={t.notes ? clip(t.notes, NOTES_ON_HOVER) : undefined}>
          {t.tags.length > 0 && (
            <TagChips tags={t.tags} hrefOf={(tag) => query(sp, { tag, page: undefined })} />
          )}
          {t.tags.length === 0 && t.notes && <span className="muted">notes</span>}
        </td>
      );
    default:
      return <td>{t.error ?? ""}</td>;
  }
}

const COLUMN_GROUPS: { kind: TrialColumn["kind"]; title: string }[] = [
  { kind: "knob", title: "swept knobs" },
  { kind: "fixed", title: "trial" },
  { kind: "metric", title: "test metrics" },
];

/**
 * The trials, a page at a time: filtered by state, by a text in the configuration's label and by each swept knob's
 * value, sorted by any column (its header's link), with the columns picked under "Columns". Every choice is a GET
 * parameter (`trialTableView` in @tailsweep/analysis reads them), so a view of the table is a link; a choice the
 * page cannot read is named above the table and left at its default.
 */
export async function TrialsSection({
  trialsOf,
  sp,
  counts,
  swept,
  objective,
}: {
  trialsOf: Answer<Caller["sweeps"]["trials"]>;
  sp: Params;
  counts: Record<"waiting" | "running" | "succeeded" | "failed" | "cancelled", number>;
  /** The sweep's swept knobs (paths): a filter and a column each. */
  swept: string[];
  objective: string;
}) {
  const trials = await trialsOf();
  const view = trialTableView(trials, sp, { knobs: swept, objective, perPage: TRIALS_PER_PAGE });
  const { spec } = view;
  const sortedBy = view.columns.find((c) => c.id === spec.sort);
  return (
    <>
      <h2>Trials</h2>
      <ViewForm testId="trial-filters">
        {/* a new filter starts at the first page */}
        <KeepParams params={sp} except={["state", "q", "tag", "page", ...swept]} />
        <label>
          state
          <select name="state" defaultValue={spec.state ?? ""} key={`state=${spec.state ?? ""}`}>
            <option value="">all ({trials.length})</option>
            {TRIAL_STATES.map((s) => (
              <option key={s} value={s}>
                {s} ({counts[s]})
              </option>
            ))}
          </select>
        </label>
        <label>
          configuration contains
          <input
            type="search"
            name="q"
            defaultValue={spec.q ?? ""}
            key={`q=${spec.q ?? ""}`}
            placeholder="e.g. nu=5"
            size={14}
          />
        </label>
        {(view.tags.length > 0 || spec.tag) && (
          <label>
            tag
            <select name="tag" defaultValue={spec.tag ?? ""} key={`tag=${spec.tag ?? ""}`}>
              <option value="">any</option>
              {(spec.tag && !view.tags.includes(spec.tag) ? [...view.tags, spec.tag] : view.tags).map(
                (tag) => (
                  <option key={tag}>{tag}</option>
                ),
              )}
            </select>
          </label>
        )}
        {swept.map((knob) => {
          const chosen = spec.where[knob] ?? "";
          const values = view.knobValues[knob] ?? [];
          return (
            <label key={knob}>
              {knob}
              <select name={knob} defaultValue={chosen} key={`${knob}=${chosen}`}>
                <option value="">any</option>
                {(chosen && !values.includes(chosen) ? [...values, chosen] : values).map((v) => (
                  <option key={v}>{v}</option>
                ))}
              </select>
            </label>
          );
        })}
        <button type="submit">show</button>
      </ViewForm>
      <details data-testid="trial-columns">
        <summary>
          Columns ({view.shown.length} of {view.columns.length})
        </summary>
        {/* the boxes ticked are the URL's, also on Back (see ViewForm) */}
        <form method="get" autoComplete="off" style={{ margin: "0.4rem 0 0.8rem" }}>
          <KeepParams params={sp} except={["cols"]} />
          {/* the configuration is always shown; it also keeps cols= in the URL when every box is unticked */}
          <input type="hidden" name="cols" value={CONFIG_COLUMN} />
          {COLUMN_GROUPS.map((g) => {
            const group = view.columns.filter((c) => c.kind === g.kind);
            return (
              group.length > 0 && (
                <fieldset key={g.kind} style={{ display: "flex", flexWrap: "wrap", gap: "0.2rem 1rem" }}>
                  <legend className="muted">{g.title}</legend>
                  {group.map((c) => {
                    const on = spec.columns.includes(c.id);
                    return (
                      <label key={`${c.id}=${on}`}>
                        <input type="checkbox" name="cols" value={c.id} defaultChecked={on} /> {c.label}
                      </label>
                    );
                  })}
                </fieldset>
              )
            );
          })}
          <button type="submit" style={{ marginTop: "0.4rem" }}>
            show these columns
          </button>{" "}
          <a href={query(sp, { cols: undefined })}>default columns</a>
        </form>
      </details>
      {view.problems.length > 0 && (
        <p className="warn" data-testid="trial-view-problems">
          Left at its default (this link asks for what the table cannot show): {view.problems.join(" · ")}
        </p>
      )}
      <p className="muted" data-testid="trial-count">
        {view.filtered ? `${view.matched} of ${view.total} trials` : `${view.total} trials`}
        {sortedBy &&
          ` · sorted by ${sortedBy.label}, ${spec.direction === "asc" ? "ascending" : "descending"} (missing values last)`}
      </p>
      <table className="data" data-testid="trials" id="trials">
        <thead>
          <tr>
            {view.shown.map((c) => {
              const sorted = spec.sort === c.id;
              return (
                <th
                  key={c.id}
                  className={c.numeric ? "num" : undefined}
                  data-col={c.id}
                  aria-sort={sorted ? (spec.direction === "asc" ? "ascending" : "descending") : undefined}
                >
                  <a
                    href={query(sp, { ...nextSort(spec, c), page: undefined })}
                    title={`sort by ${c.label}`}
                    style={{ color: "inherit" }}
                  >
                    {c.label}
                    {sorted ? (spec.direction === "asc" ? " ▲" : " ▼") : ""}
                  </a>
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {view.rows.map((t) => (
            <tr key={t.id}>
              {view.shown.map((c) => (
                <TrialCell key={c.id} trial={t} column={c} sp={sp} />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {view.pages > 1 && (
        <p>
          page {view.page} of {view.pages}:{" "}
          {Array.from({ length: view.pages }, (_, i) => i + 1).map((n) => (
            <a key={n} href={query(sp, { page: String(n) })} style={{ marginRight: "0.4rem" }}>
              {n === view.page ? <strong>{n}</strong> : n}
            </a>
          ))}
        </p>
      )}
    </>
  );
}
