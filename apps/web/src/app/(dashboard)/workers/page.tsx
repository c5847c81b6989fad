import { LiveRefresh } from "../../../components/live-refresh";
import { age, stamp } from "../../../lib/format";
import { api } from "../../../server/store";

export const dynamic = "force-dynamic";

/**
 * Every worker the run store has heard from: host, backend, its GPU and the trials it takes, concurrency, last
 * heartbeat and whether it is online.
 */
export default async function WorkersPage() {
  const workers = await (await api()).workers();
  return (
    <main>
      <h1>
        Workers <LiveRefresh active={workers.some((w) => w.status === "online")} seconds={10} />
      </h1>
      {workers.length === 0 ? (
        <p>No worker has reported yet. Start one with `NATS_URL=… tailsweep worker`.</p>
      ) : (
        <table className="data" data-testid="worker-list">
          <thead>
            <tr>
              <th>worker</th>
              <th>host</th>
              <th>backend</th>
              <th>GPU</th>
              <th>takes</th>
              <th className="num">trials at once</th>
              <th>status</th>
              <th>last heard</th>
              <th>started</th>
            </tr>
          </thead>
          <tbody>
            {workers.map((w) => (
              <tr key={w.id}>
                <td className="mono">{w.id}</td>
                <td>{w.host}</td>
                <td>{w.backend}</td>
                <td>{w.gpu ?? "—"}</td>
                <td title="the kinds of trial it takes, preferred first">{w.trialKinds.join(", ")} trials</td>
                <td className="num">{w.concurrency}</td>
                <td>{w.status}</td>
                <td title={stamp(w.lastHeartbeat)}>{age(w.lastHeartbeat)}</td>
                <td>{stamp(w.startedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
