import type { Confirmation, StageEstimate } from "@tailsweep/analysis";
import { cellColours, divergingScale } from "@tailsweep/charts/colours";
import type { ComparisonTable as Table } from "@tailsweep/stats";
import {
  bestClaim,
  bestInResamples,
  comparisonFamilyText,
  confirmationFamilyText,
  FEW_SEEDS,
  fixed,
  intervalWriter,
  isShare,
  MANY_SEEDS,
  pValue,
  seedRanges,
  seedsNeededText,
  signedDifference,
  soleResultText,
  tiedBestText,
  withoutResultsText,
} from "../lib/format";

// Every view choice's <select> is keyed by the value the server chose: a live refresh (router.refresh) that changes
// it must show it, not the option picked at mount — defaultValue applies on mount only (issue #20 bug 3).

/**
 * Configurations against a baseline across matched seeds: mean and t interval, the paired difference with its
 * interval, p before and after correction, effect size, the seeds 80 % power would need, and the verdict. The same
 * numbers `tailsweep compare` prints. The difference's cell is coloured on the charts' diverging scale, centred on
 * zero and symmetric (the largest |Δ| or interval end shown at either end): blue better than the baseline, red
 * worse, white none.
 */
export function ComparisonTable({
  table,
}: {
  table: Omit<Table, "rows"> & {
    metric: string;
    /** Rows of one sweep's comparison carry the post-hoc revisions whose seeds their test uses. */
    rows: (Table["rows"][number] & { posthocRevisions?: number[] })[];
    posthocNote?: string;
    sequentialNote?: string;
    unevenSeedsNote?: string;
    baselineNote?: string;
    withoutResults?: { config: string; failed: number; open: number; cancelled: number }[];
  };
}) {
  // the domain spans every number of the Δ column, intervals included: a difference small beside its interval stays
  // pale rather than taking the scale's end because it is the largest of a few small ones
  const intervals = intervalWriter();
  // said instead of a best: the only configuration with results, or several with the same mean
  const sole = table.best && (soleResultText(table.best) ?? tiedBestText(table.best));
  // a share in percent; a result path (parameterCount, steps) in its own units, as `tailsweep compare` prints it
  const share = isShare(table.metric);
  const scaled = (v: number) => (share ? 100 * v : v);
  const delta = divergingScale(
    table.rows.flatMap((r) => {
      const c = r.vsBaseline?.comparison;
      return c ? [c.meanDiff, ...c.ci].map(scaled) : [];
    }),
    { higherIsBetter: table.direction === "maximize" },
  );
  return (
    <section>
      <table className="data" data-testid="comparison">
        <thead>
          <tr>
            <th>configuration</th>
            <th className="num">seeds</th>
            <th className="num">mean [95% CI]</th>
            <th className="num">Δ vs baseline [95% CI]</th>
            <th className="num">p</th>
            <th className="num">p ({table.correction})</th>
            <th className="num">effect</th>
            <th
              className="num"
              title={`matched seeds a paired test needs for 80% power at this effect; >${MANY_SEEDS}: an effect as good as none`}
            >
              seeds for 80%
            </th>
            <th>verdict</th>
          </tr>
        </thead>
        <tbody>
          {table.rows.map((r) => {
            const v = r.vsBaseline;
            const cmp = v?.comparison;
            return (
              <tr key={r.config}>
                <td>{r.config === table.baseline ? `${r.config} (baseline)` : r.config}</td>
                <td className="num">
                  {r.summary.n}
                  {r.summary.n < FEW_SEEDS ? (
                    <span className="warn" title={`fewer than ${FEW_SEEDS} seeds`}>
                      {" "}
                      !
                    </span>
                  ) : null}
                </td>
                <td className="num">{intervals.estimate(table.metric, r.summary)}</td>
                <td
                  className="num"
                  style={
                    cmp && Number.isFinite(cmp.meanDiff)
                      ? cellColours(delta.scale, scaled(cmp.meanDiff))
                      : undefined
                  }
                >
                  {cmp ? intervals.difference(table.metric, cmp.meanDiff, cmp.ci) : ""}
                  {cmp?.method === "welch" ? " (unpaired: Welch)" : ""}
                </td>
                <td className="num">{v ? pValue(v.p) : ""}</td>
                <td className="num">{v ? pValue(v.pAdjusted) : ""}</td>
                <td className="num">
                  {cmp ? fixed(cmp.method === "paired" ? cmp.dz : cmp.d, 2) : ""}
                  {cmp && r.summary.n < FEW_SEEDS ? " !" : ""}
                </td>
                <td className="num">{v ? seedsNeededText(v.seedsNeeded, cmp) : ""}</td>
                <td className={v ? `verdict-${v.verdict.split(" ")[0]}` : ""} title={v?.reason}>
                  {v?.verdict ?? ""}
                  <PosthocMark revisions={r.posthocRevisions} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="muted" data-testid="comparison-note">
        {table.metric} {share ? "in %, Δ in percentage points" : "in its own units"}, {table.direction}d; Δ is
        blue where better than the baseline, red where worse. Differences are paired by seed where both sides
        ran the same seeds (t-test; effect = Cohen&apos;s d<sub>z</sub>), else unpaired (Welch; effect = d*
        <sub>s</sub>, the difference over the root mean of the two variances)
        {table.rows.length > 1
          ? `; ${comparisonFamilyText(table)}.`
          : "; nothing to compare with the baseline yet."}
      </p>
      {intervals.notes(table.rows.map((r) => r.summary.n)).map((note) => (
        <p className="warn" key={note} data-testid="interval-note">
          {note}.
        </p>
      ))}
      {table.baselineNote && (
        <p className="warn" data-testid="baseline-note">
          Note: {table.baselineNote}.
        </p>
      )}
      {table.sequentialNote && (
        <p className="warn" data-testid="sequential-note">
          Note: {table.sequentialNote}.
        </p>
      )}
      {table.posthocNote && (
        <p className="warn" data-testid="posthoc-note">
          † {table.posthocNote}.
        </p>
      )}
      {sole && <p data-testid="best">{sole}.</p>}
      {table.best && !sole && (
        <p data-testid="best">
          Best by mean: <strong>{table.best.config}</strong>, {bestInResamples(table.best.probabilityBest)}
          {Number.isFinite(table.best.probabilityBest) ? " (ties count for nobody)" : ""};{" "}
          {bestClaim(table.best)}.{table.unevenSeedsNote ? ` Note: ${table.unevenSeedsNote}.` : ""}
        </p>
      )}
      {table.withoutResults && table.withoutResults.length > 0 && (
        <p className="muted" data-testid="without-results">
          Not compared, no result for {table.metric}: {withoutResultsText(table.withoutResults)}.
        </p>
      )}
    </section>
  );
}

/**
 * A confirmation stage: each selected configuration's difference with the baseline on the seeds it was chosen on and
 * on fresh seeds, each with its own test, and how much of the selected lead the fresh seeds keep (below 100 %: the
 * winner's curse). The same numbers `tailsweep compare` prints under "Confirmation".
 */
export function ConfirmationTable({ confirmation: c }: { confirmation: Confirmation }) {
  const cells = (e: StageEstimate | null) =>
    e ? (
      <>
        <td className="num">{e.seeds}</td>
        <td className="num">{signedDifference(c.metric, e.meanDiff, e.ci)}</td>
        <td className="num">{pValue(e.p)}</td>
        <td className="num">{pValue(e.pAdjusted)}</td>
        <td className={`verdict-${e.verdict.split(" ")[0]}`}>
          {e.verdict}
          <PosthocMark revisions={e.posthocRevisions} />
        </td>
      </>
    ) : (
      <>
        <td className="num">0</td>
        <td className="num">—</td>
        <td className="num">—</td>
        <td className="num">—</td>
        <td className="muted">no result</td>
      </>
    );
  return (
    <section data-testid="confirmation">
      <h3>
        Confirmation (revision {c.revision}): {c.heading}
      </h3>
      <table className="data">
        <thead>
          <tr>
            <th>configuration</th>
            <th>stage</th>
            <th className="num">seeds</th>
            <th className="num">Δ vs {c.baseline} [95% CI]</th>
            <th className="num">p</th>
            <th className="num">p ({c.correction})</th>
            <th>verdict</th>
            <th className="num">kept on fresh seeds</th>
          </tr>
        </thead>
        <tbody>
          {c.rows.flatMap((r) => [
            <tr key={`${r.configKey}-selection`}>
              <td rowSpan={2}>{r.config}</td>
              <td>selection</td>
              {cells(r.selection)}
              <td className="num" rowSpan={2} data-testid="retained">
                {Number.isFinite(r.retained) ? `${fixed(100 * r.retained, 0)}%` : "—"}
              </td>
            </tr>,
            <tr key={`${r.configKey}-confirmation`}>
              <td>confirmation</td>
              {cells(r.confirmation)}
            </tr>,
          ])}
        </tbody>
      </table>
      <p className="muted">
        The selection row tests the difference with {c.baseline} on the seeds it was chosen on (
        {c.selectedOn.length > 0 ? seedRanges(c.selectedOn) : "—"}, {c.selectionFamily}); the confirmation row
        tests it on seeds that played no part in choosing ({seedRanges(c.confirmedOn)}),{" "}
        {confirmationFamilyText(c)}. Its estimate is the unbiased one: the selection&apos;s tends to be
        inflated by having been chosen as the highest. The share kept is left out (—) where the selection
        showed no clear lead: its own interval holds 0 or lies on the worse side, and a ratio over such a
        difference is noise.
        {c.pending > 0
          ? ` ${c.pending} confirmation trials are still to finish; the test uses those that are in.`
          : ""}
      </p>
    </section>
  );
}

/** The † a verdict carries when its test pairs seeds a post-hoc top-up added (nothing otherwise). */
function PosthocMark({ revisions }: { revisions?: readonly number[] }) {
  if (!revisions?.length) return null;
  return (
    <span
      className="posthoc"
      data-testid="posthoc"
      title={`uses seeds added after looking at the results (revision ${revisions.join(", ")}): its p-value is optimistic`}
    >
      {" "}
      † post hoc
    </span>
  );
}

/**
 * The † a seed mean carries when it includes seeds a post-hoc top-up added: the ranking by mean, and which
 * configuration leads it, was then shaped by where seeds were added after looking (nothing otherwise).
 */
export function PosthocMeanMark({ posthoc }: { posthoc: boolean }) {
  if (!posthoc) return null;
  return (
    <span
      className="posthoc"
      data-testid="posthoc-mean"
      title="the mean includes seeds a post-hoc top-up added after looking at the results"
    >
      {" "}
      †
    </span>
  );
}

/** The choice of multiple-comparison correction, as a view form's field (`correction=holm|bh`). */
export function CorrectionChoice({ value }: { value: string }) {
  return (
    <label>
      correction
      <select name="correction" defaultValue={value} key={`correction=${value}`}>
        <option value="holm">Holm (family-wise)</option>
        <option value="bh">Benjamini–Hochberg (FDR)</option>
      </select>
    </label>
  );
}
