import { notFound } from "next/navigation";
import { api } from "../../../server/store";

export const dynamic = "force-dynamic";

const fmt = (v: number | undefined, digits = 3) => (typeof v === "number" ? v.toFixed(digits) : "");

/** One trial: what ran (config, seed, backend), its attempts and why earlier ones ended, per-epoch numbers, provenance. */
export default async function TrialPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const caller = await api();
  const found = await caller.trials.get({ id: decodeURIComponent(id) }).catch(() => undefined);
  if (!found) notFound();
  const { trial, epochs, result, provenance } = found;
  return (
    <main>
      <h1 style={{ fontSize: "1.3rem" }}>
        trial {trial.key.slice(0, 12)} <small>({trial.state})</small>
      </h1>
      <p>
        <a href={`/sweeps/${trial.sweepId}`}>back to the sweep</a> · seed {trial.seed} · attempt{" "}
        {trial.attempt} of at most {trial.maxAttempts} · worker {trial.workerId ?? "—"} · backend{" "}
        {result?.backend ?? trial.backend ?? "—"}
        {result ? ` · ${result.seconds.toFixed(1)} s` : ""}
      </p>
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
      <h2 style={{ fontSize: "1.1rem" }}>Per epoch</h2>
      <table cellPadding={4} style={{ borderCollapse: "collapse" }} data-testid="epochs">
        <thead>
          <tr>
            <th align="right">attempt</th>
            <th align="right">epoch</th>
            <th align="right">loss</th>
            <th align="right">labeled</th>
            <th align="right">unlabeled</th>
            <th align="right">classification</th>
            <th align="right">test bal. acc.</th>
            <th align="right">s</th>
          </tr>
        </thead>
        <tbody>
          {epochs.map((e) => (
            <tr key={`${e.attempt}-${e.epoch}`}>
              <td align="right">{e.attempt}</td>
              <td align="right">{e.epoch}</td>
              <td align="right">{fmt(e.loss.total)}</td>
              <td align="right">{fmt(e.loss.labeled)}</td>
              <td align="right">{fmt(e.loss.unlabeled)}</td>
              <td align="right">{fmt(e.loss.classification)}</td>
              <td align="right">{fmt(e.test?.balancedAccuracy)}</td>
              <td align="right">{fmt(e.seconds, 1)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2 style={{ fontSize: "1.1rem" }}>Configuration</h2>
      <pre style={{ background: "#f5f5f5", padding: "0.5rem" }}>{JSON.stringify(trial.config, null, 2)}</pre>
      <h2 style={{ fontSize: "1.1rem" }}>Reproducibility</h2>
      <pre style={{ background: "#f5f5f5", padding: "0.5rem" }}>{JSON.stringify(provenance, null, 2)}</pre>
    </main>
  );
}
