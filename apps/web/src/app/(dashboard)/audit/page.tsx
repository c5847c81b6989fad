import { age, stamp } from "../../../lib/format";
import { firstValues, type SearchParams } from "../../../lib/search-params";
import { api } from "../../../server/store";

export const dynamic = "force-dynamic";

/** Who launched, cancelled, deleted or annotated what, newest first, in the projects the viewer can read (`?project=` for one). */
export default async function AuditPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const { project } = firstValues(await searchParams);
  const entries = await (await api()).audit.list(project ? { project, limit: 200 } : { limit: 200 });
  return (
    <main>
      <h1>Audit log{project ? ` · ${project}` : ""}</h1>
      {entries.length === 0 ? (
        <p>Nothing recorded yet: launches and cancels from the dashboard appear here.</p>
      ) : (
        <table className="data" data-testid="audit-log">
          <thead>
            <tr>
              <th>when</th>
              <th>who</th>
              <th>project</th>
              <th>action</th>
              <th>what</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id}>
                <td title={stamp(e.at)}>{age(e.at)}</td>
                <td>{e.actor}</td>
                <td>
                  <a href={`/audit?project=${encodeURIComponent(e.projectId)}`}>{e.projectId}</a>
                </td>
                <td className="mono">{e.action}</td>
                <td>
                  {e.action.startsWith("sweep.") && e.action !== "sweep.delete" ? (
                    <a href={`/sweeps/${e.target}`}>{String(e.detail.name ?? e.target)}</a>
                  ) : e.action.startsWith("trial.") ? (
                    <a href={`/trials/${encodeURIComponent(e.target)}`}>
                      {String(e.detail.name ?? e.target)}
                    </a>
                  ) : (
                    e.target
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
