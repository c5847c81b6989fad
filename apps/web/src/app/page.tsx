import { api } from "../server/store";

export const dynamic = "force-dynamic";

/** Sweeps, newest first: status, progress and the best configuration so far. */
export default async function SweepsPage() {
  const sweeps = await (await api()).sweeps.list({});
  if (sweeps.length === 0) return <p>No sweeps yet: run `tailsweep sweep run examples/quick.yaml`.</p>;
  return (
    <table cellPadding={6} style={{ borderCollapse: "collapse" }}>
      <thead>
        <tr>
          <th align="left">sweep</th>
          <th align="left">status</th>
          <th align="right">done</th>
          <th align="left">best configuration</th>
          <th align="left">created</th>
        </tr>
      </thead>
      <tbody>
        {sweeps.map((s) => (
          <tr key={s.id}>
            <td>
              <a href={`/sweeps/${s.id}`}>
                {s.project}/{s.name}
              </a>
            </td>
            <td>{s.status}</td>
            <td align="right">
              {s.counts.succeeded + s.counts.failed + s.counts.cancelled}/{s.trialCount}
            </td>
            <td>
              {s.best ? `${s.best.config} (${(100 * s.best.mean).toFixed(1)} ${s.objective.metric})` : "—"}
            </td>
            <td>{s.createdAt.toISOString().slice(0, 16).replace("T", " ")}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
