import { appErrorCode, NO_ARTIFACT_STORE_CODE } from "@tailsweep/api";
import { notFound } from "next/navigation";
import { api } from "../../../../server/store";

export const dynamic = "force-dynamic";

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));
const fmt = (v: number | undefined, digits = 3) => (typeof v === "number" ? v.toFixed(digits) : "");
const kib = (bytes: number) => (Number.isNaN(bytes) ? "—" : `${(bytes / 1024).toFixed(1)} KiB`);

/** One trial: what ran (config, seed, backend), its attempts and why earlier ones ended, per-epoch numbers, provenance. */
export default async function TrialPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const caller = await api();
  const found = await caller.trials.get({ id: decodeURIComponent(id) }).catch(() => undefined);
  if (!found) notFound();
  const { trial, epochs, result, provenance } = found;
  // Where this server reaches no artifact store (a read-only `next start`) the section says so; any other failure
  // (the object store not answering) is said as it is.
  const files = await caller.trials
    .files({ id: trial.id })
    .catch((e: unknown) => ({ problem: appErrorCode(e) === NO_ARTIFACT_STORE_CODE ? null : messageOf(e) }));
  const ran = result?.metrics;
  const gpu = ran?.gpuAdapter;
  return (
    <main>
      <h1>
        trial {trial.key.slice(0, 12)} <small>({trial.state})</small>
      </h1>
      <p>
        <a href={`/sweeps/${trial.sweepId}`}>back to the sweep</a> · seed {trial.seed} · attempt{" "}
        {trial.attempt} of at most {trial.maxAttempts} · worker {trial.workerId ?? "—"} · backend{" "}
        <span title={ran?.backendDetail} data-testid="backend">
          {result?.backend ?? trial.backend ?? "—"}
          {gpu
            ? ` on ${[gpu.vendor, gpu.architecture].filter(Boolean).join(" ")}${gpu.fallback ? " (software adapter)" : ""}`
            : ""}
        </span>
        {result ? ` · ${result.seconds.toFixed(1)} s` : ""}
      </p>
      {ran?.resumed && (
        <p data-testid="resumed">
          attempt {trial.attempt} resumed from its checkpoint after epoch {ran.resumed.fromEpoch}: it saved{" "}
          {ran.resumed.savedSeconds.toFixed(1)} s of training
        </p>
      )}
      {trial.error && <p data-testid="error">error: {trial.error}</p>}
      {trial.retries.length > 0 && (
        <ul data-testid="retries">
          {trial.retries.map((r) => (
            <li key={r.attempt}>
              attempt {r.attempt}: {r.reason}
            </li>
          ))}
        </ul>
      )}
      <h2>Per epoch</h2>
      <table className="data" data-testid="epochs">
        <thead>
          <tr>
            <th className="num">attempt</th>
            <th className="num">epoch</th>
            <th className="num">loss</th>
            <th className="num">labeled</th>
            <th className="num">unlabeled</th>
            <th className="num">classification</th>
            <th className="num">test bal. acc.</th>
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
              <td className="num">{fmt(e.test?.balancedAccuracy)}</td>
              <td className="num">{fmt(e.seconds, 1)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Files</h2>
      {"problem" in files ? (
        <p className="muted" data-testid="files-problem">
          {files.problem === null
            ? "this dashboard reaches no artifact store (serve it with `tailsweep ui`)"
            : `the trial's files cannot be listed now: ${files.problem}`}
        </p>
      ) : files.artifacts.length === 0 && !files.checkpoint ? (
        <p className="muted" data-testid="no-files">
          nothing kept{trial.state === "succeeded" ? " (its sweep keeps no artifacts)" : " yet"}
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
      <p className="muted">
        Recompute a metric from the stored predictions:{" "}
        <code>tailsweep evaluate {trial.id} --metric ece</code>
      </p>
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
