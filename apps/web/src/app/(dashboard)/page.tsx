import { messageOf, plural } from "@tailsweep/schemas";
import { TagChips } from "../../components/annotations";
import { AutoSubmit } from "../../components/auto-submit";
import { PosthocMeanMark } from "../../components/comparison-table";
import { ProgressBar, statusText } from "../../components/progress-bar";
import { ViewForm } from "../../components/view-form";
import { age, pct, stamp } from "../../lib/format";
import { firstValues, type SearchParams } from "../../lib/search-params";
import { api } from "../../server/store";

export const dynamic = "force-dynamic";

type Search = {
  project?: string;
  status?: (typeof STATUSES)[number];
  q?: string;
  tag?: string;
};

/** The statuses the list filters by, as the API's list takes them. */
const STATUSES = ["running", "completed", "cancelled"] as const;

/**
 * Sweeps, newest first, per project: status, progress, tags, the best configuration so far and age; search (also in
 * descriptions, notes and tags) and filters, a tag's among them, all GET parameters.
 */
export default async function SweepsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = firstValues(await searchParams);
  const filters: Search = {
    project: sp.project || undefined,
    status: STATUSES.find((s) => s === sp.status),
    q: sp.q || undefined,
    tag: sp.tag?.trim() || undefined,
  };
  // said as a tag the API refuses is, not dropped
  const badStatus =
    sp.status && !filters.status ? `status: must be one of ${STATUSES.join(", ")}, got '${sp.status}'` : null;
  const caller = await api();
  // A tag that cannot be one (typed into the URL) is said as the API refuses it, above an empty list.
  const [projects, listed] = await Promise.all([
    caller.projects(),
    caller.sweeps
      .list({
        project: filters.project,
        status: filters.status,
        search: filters.q,
        ...(filters.tag && { tags: [filters.tag] }),
      })
      .then((sweeps) => ({ sweeps, refused: null }))
      .catch((e: unknown) => ({ sweeps: [], refused: messageOf(e) })),
  ]);
  // a refused status empties the list as a refused tag does: the whole list under it read as filtered
  const sweeps = badStatus ? [] : listed.sweeps;
  const refused = [badStatus, listed.refused].filter((r) => r !== null).join("; ");
  return (
    <main>
      <AutoSubmit />
      <h1>Sweeps</h1>
      <ViewForm className="filters">
        <label>
          search
          <input name="q" defaultValue={filters.q} placeholder="name, id, description, notes or tag" />
        </label>
        <label>
          tag
          <input name="tag" defaultValue={filters.tag} placeholder="paper:fig3" size={14} />
        </label>
        <label>
          project
          <select name="project" defaultValue={filters.project ?? ""}>
            <option value="">all projects</option>
            {projects.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name} ({p.sweeps})
              </option>
            ))}
          </select>
        </label>
        <label>
          status
          <select name="status" defaultValue={filters.status ?? ""}>
            <option value="">any</option>
            <option value="running">running</option>
            <option value="completed">completed</option>
            <option value="cancelled">cancelled</option>
          </select>
        </label>
        <button type="submit">filter</button>
        <a href="/launch">launch a sweep</a>
      </ViewForm>
      {refused && (
        <p className="field-error" data-testid="filter-error">
          {refused}
        </p>
      )}
      {sweeps.length === 0 ? (
        <p>
          {projects.length === 0
            ? "No sweeps yet: launch one here, or run `tailsweep sweep run examples/quick.yaml`."
            : "No sweep matches these filters."}
        </p>
      ) : (
        <table className="data" data-testid="sweeps">
          <thead>
            <tr>
              <th>sweep</th>
              <th>status</th>
              <th>tags</th>
              <th>progress</th>
              <th>best configuration (seed mean)</th>
              <th>created</th>
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
                <td>{statusText(s.status, s.counts)}</td>
                <td>{s.tags.length > 0 && <TagChips tags={s.tags} />}</td>
                <td>
                  <ProgressBar counts={s.counts} total={s.progress.total} /> {s.progress.done}/
                  {s.progress.total}
                  {s.counts.running > 0 ? ` · ${s.counts.running} running` : ""}
                </td>
                <td>
                  {s.best ? (
                    <>
                      {/* one text node: the entry reads whole in the page's HTML, as before the mark */}
                      {`${s.best.config} (${pct(s.best.mean)} ${s.objective.metric}, ${plural(s.best.seeds, "seed")})`}
                      <PosthocMeanMark posthoc={s.best.posthoc} />
                    </>
                  ) : (
                    "—"
                  )}
                </td>
                <td title={stamp(s.createdAt)}>{age(s.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
