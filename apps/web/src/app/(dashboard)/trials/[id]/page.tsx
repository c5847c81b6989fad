import type { EpochChart } from "@tailsweep/analysis";
import { appErrorCode, NO_ARTIFACT_STORE_CODE } from "@tailsweep/api";
import { messageOf } from "@tailsweep/schemas";
import { notFound } from "next/navigation";
import { Annotations } from "../../../../components/annotations";
import { AnnotationsForm } from "../../../../components/annotations-form";
import { HeatTable } from "../../../../components/heat-table";
import { InteractiveChart } from "../../../../components/interactive-chart";
import { attemptRows } from "../../../../lib/attempt-rows";
import { artifactsNotStoredText, duration, stamp } from "../../../../lib/format";
import { api } from "../../../../server/store";

export const dynamic = "force-dynamic";

/** A fraction as a percentage with one decimal; blank where undefined. */
const pct = (v: number | undefined) =>
  typeof v === "number" && Number.isFinite(v) ? (100 * v).toFixed(1) : "";
const fmt = (v: number | undefined, digits = 3) => (typeof v === "number" ? v.toFixed(digits) : "");
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** A chart of the trial's epochs: the server's SVG first, live in the browser (hover, legend, zoom, log y). */
function epochChart(chart: EpochChart | null, testId: string, label: string) {
  return (
    chart && (
      <InteractiveChart
        svg={chart.svg}
        option={chart.option}
        kind="curves"
        label={label}
        unit={chart.unit}
        testId={testId}
        width={760}
        height={320}
      />
    )
  );
}

/** One trial: what ran (config, seed, backend), its attempts and why earlier ones ended, per-epoch numbers, provenance. */
export default async function TrialPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const caller = await api();
  const found = await caller.trials.get({ id: decodeURIComponent(id) }).catch(() => undefined);
  if (!found) notFound();
  const { trial, epochs, result, detail, provenance, project } = found;
  const me = await caller.me();
  const role = me.projects === "all" ? "owner" : me.projects.find((m) => m.project === project)?.role;
  // Where this server reaches no artifact store (a read-only `next start`) the section says so; any other failure
  // (the object store not answering) is said as it is.
  const files = await caller.trials
    .files({ id: trial.id })
    .catch((e: unknown) => ({ problem: appErrorCode(e) === NO_ARTIFACT_STORE_CODE ? null : messageOf(e) }));
  const ran = result?.metrics;
  const gpu = ran?.gpuAdapter;
  const hasValidation = epochs.some((e) => e.validation);
  return (
    <main>
      <h1>
        {trial.configLabel}, seed {trial.seed} <small>({trial.state})</small>
      </h1>
      <p>
        <a href={`/sweeps/${trial.sweepId}`}>back to the sweep</a> · trial {trial.key.slice(0, 12)} · attempt{" "}
        {trial.attempt} of at most {trial.maxAttempts} · worker {trial.workerId ?? "—"} · backend{" "}
        <span title={ran?.backendDetail} data-testid="backend">
          {result?.backend ?? trial.backend ?? "—"}
          {gpu
            ? ` on ${[gpu.vendor, gpu.architecture].filter(Boolean).join(" ")}${gpu.fallback ? " (software adapter)" : ""}`
            : ""}
        </span>
        {result ? ` · ${result.seconds.toFixed(1)} s` : ""}
      </p>
      <section data-testid="annotations">
        <Annotations
          tags={trial.tags}
          notes={trial.notes}
          hrefOf={(tag) =>
            `/sweeps/${encodeURIComponent(trial.sweepId)}?tag=${encodeURIComponent(tag)}#trials`
          }
        />
        {(role === "owner" || role === "member") && (
          <AnnotationsForm target="trial" id={trial.id} tags={trial.tags} notes={trial.notes} />
        )}
      </section>
      {ran?.resumed && (
        <p data-testid="resumed">
          attempt {trial.attempt} resumed from its checkpoint after epoch {ran.resumed.fromEpoch}: it saved{" "}
          {ran.resumed.savedSeconds.toFixed(1)} s of training
        </p>
      )}
      {detail.selection && <p data-testid="selection">{detail.selection}</p>}
      {trial.error && <p data-testid="error">error: {trial.error}</p>}
      {trial.retries.length > 0 && (
        <>
          <h2>Attempts</h2>
          <table className="data" data-testid="attempts">
            <thead>
              <tr>
                <th className="num">attempt</th>
                <th>started</th>
                <th className="num">ran for</th>
                <th>how it ended</th>
              </tr>
            </thead>
            <tbody>
              {attemptRows(trial).map((a) => (
                <tr key={a.attempt}>
                  <td className="num">{a.attempt}</td>
                  <td>{a.startedAt ? stamp(a.startedAt) : "—"}</td>
                  <td className="num">
                    {a.startedAt && a.endedAt
                      ? duration((a.endedAt.getTime() - a.startedAt.getTime()) / 1000)
                      : "—"}
                  </td>
                  <td>{a.ended}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {detail.final.length > 0 && (
        <>
          <h2>Final metrics</h2>
          <table className="data" data-testid="final-metrics">
            <thead>
              <tr>
                <th>metric</th>
                <th>on</th>
                <th className="num">%</th>
              </tr>
            </thead>
            <tbody>
              {detail.final.map((m) => (
                <tr key={`${m.metric} ${m.on}`}>
                  <td>{m.metric}</td>
                  <td>{m.on}</td>
                  <td className="num">{pct(m.value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Per class</h2>
          <table className="data" data-testid="per-class">
            <thead>
              <tr>
                <th className="num">class</th>
                <th className="num">test rows</th>
                <th className="num">recall %</th>
                <th className="num">precision %</th>
                {detail.perClass.some((c) => c.pseudoRecall !== undefined) && (
                  <>
                    <th className="num" title="pseudo-label recall on the unlabeled training rows">
                      pseudo-label recall %
                    </th>
                    <th className="num" title="share of the unlabeled training rows given this class">
                      pseudo-label share %
                    </th>
                  </>
                )}
                {detail.perClass.some((c) => c.trueShare !== undefined) && (
                  <th className="num" title="share of the unlabeled training rows truly of this class">
                    true share %
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {detail.perClass.map((c) => (
                <tr key={c.classIndex}>
                  <td
                    className="num"
                    title={c.minority ? "a tail class (minority recall averages it)" : undefined}
                  >
                    {c.classIndex}
                    {c.minority ? " (tail)" : ""}
                  </td>
                  <td className="num">{c.support}</td>
                  <td className="num">{pct(c.recall)}</td>
                  <td className="num">{pct(c.precision)}</td>
                  {c.pseudoRecall !== undefined && (
                    <>
                      <td className="num">{pct(c.pseudoRecall)}</td>
                      <td className="num">{pct(c.pseudoShare)}</td>
                    </>
                  )}
                  {c.trueShare !== undefined && <td className="num">{pct(c.trueShare)}</td>}
                </tr>
              ))}
            </tbody>
          </table>
          <HeatTable
            testId="trial-confusion"
            caption="confusion matrix on the test set (% of each true class)"
            rowName="true class"
            columnName="predicted"
            rows={detail.confusionPercent.map((_, k) => String(k))}
            columns={detail.confusionPercent.map((_, k) => String(k))}
            values={detail.confusionPercent}
          />
        </>
      )}
      {epochChart(detail.lossChart, "loss-chart", "training loss per epoch")}
      {epochChart(detail.testChart, "test-chart", "test metrics per epoch")}
      {epochChart(detail.validationChart, "validation-chart", "validation metrics per epoch")}
      <h2>Per epoch</h2>
      {epochs.length === 0 ? (
        <p className="muted" data-testid="no-epochs">
          no epoch finished{trial.state === "waiting" || trial.state === "running" ? " yet" : ""}
        </p>
      ) : (
        <table className="data" data-testid="epochs">
          <thead>
            <tr>
              <th className="num">attempt</th>
              <th className="num">epoch</th>
              <th className="num">loss</th>
              <th className="num">labeled</th>
              <th className="num">unlabeled</th>
              <th className="num">classification</th>
              <th className="num">test bal. acc. %</th>
              {hasValidation && <th className="num">validation bal. acc. %</th>}
              <th className="num">s</th>
            </tr>
          </thead>
          <tbody>
            {epochs.map((e) => (
              <tr key={`${e.attempt}-${e.epoch}`}>
                <td className="num">{e.attempt}</td>
                <td className="num">{e.epoch}</td>
                <td className="num">{fmt(e.loss.total)}</td>
                <td className="num">{fmt(e.loss.labeled)}</td>
                <td className="num">{fmt(e.loss.unlabeled)}</td>
                <td className="num">{fmt(e.loss.classification)}</td>
                {/* in percent, as the final metrics above and the curve's axis: it read 0.480 under 48.0 */}
                <td className="num">{pct(e.test?.balancedAccuracy)}</td>
                {hasValidation && <td className="num">{pct(e.validation?.balancedAccuracy)}</td>}
                <td className="num">{fmt(e.seconds, 1)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Files</h2>
      {"problem" in files ? (
        <p className="muted" data-testid="files-problem">
          {files.problem === null
            ? "this dashboard reaches no artifact store (serve it with `tailsweep ui`)"
            : `the trial's files cannot be listed now: ${files.problem}`}
        </p>
      ) : files.artifacts.length === 0 && !files.checkpoint ? (
        <p className="muted" data-testid="no-files">
          nothing kept
          {files.notStored
            ? ` (${artifactsNotStoredText(files.notStored)})`
            : trial.state === "succeeded"
              ? " (its sweep keeps no artifacts)"
              : " yet"}
        </p>
      ) : (
        <table className="data" data-testid="files">
          <thead>
            <tr>
              <th>file</th>
              <th className="num">size</th>
              <th className="num">stored</th>
            </tr>
          </thead>
          <tbody>
            {files.artifacts.map((a) => (
              <tr key={a.name}>
                <td>
                  <a href={`/api/trials/${encodeURIComponent(trial.id)}/files/${a.name}`} download>
                    {a.name}
                  </a>
                </td>
                <td className="num">{kib(a.bytes)}</td>
                <td className="num">{kib(a.storedBytes)}</td>
              </tr>
            ))}
            {files.checkpoint && (
              <tr>
                <td title={`saved ${files.checkpoint.modified}`}>checkpoint (resumes a retry)</td>
                <td className="num" />
                <td className="num">{kib(files.checkpoint.storedBytes)}</td>
              </tr>
            )}
          </tbody>
        </table>
      )}
      {"artifacts" in files && files.artifacts.some((a) => a.name === "predictions.csv") && (
        <p className="muted">
          Recompute a metric from the stored predictions:{" "}
          <code>tailsweep evaluate {trial.id} --metric ece</code>
        </p>
      )}
      <h2>Configuration</h2>
      <pre className="mono" style={{ background: "var(--bg-soft)", padding: "0.5rem" }}>
        {JSON.stringify(trial.config, null, 2)}
      </pre>
      <h2>Reproducibility</h2>
      <pre className="mono" style={{ background: "var(--bg-soft)", padding: "0.5rem" }}>
        {JSON.stringify(provenance, null, 2)}
      </pre>
    </main>
  );
}
