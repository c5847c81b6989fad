import { messageOf, ObjectiveMetricSchema, plural } from "@tailsweep/schemas";
import { AutoSubmit } from "../../../components/auto-submit";
import { ComparisonTable, CorrectionChoice, PosthocMeanMark } from "../../../components/comparison-table";
import { age, pct } from "../../../lib/format";
import { firstValues, type SearchParams } from "../../../lib/search-params";
import { api } from "../../../server/store";

// Every view choice's <select> is keyed by the value the server chose: a live refresh (router.refresh) that changes
// it must show it, not the option picked at mount — defaultValue applies on mount only (issue #20 bug 3).

export const dynamic = "force-dynamic";

/** A run group in the URL: `<sweep id>|<configuration label>`. */
const SEP = "|";

/**
 * Runs from any sweeps compared across matched seeds (team history): tick configurations of any sweeps, pick the
 * baseline, and the table tests every other against it. The URL (`?run=…&run=…&baseline=…`) is the permalink.
 */
export default async function ComparePage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = await searchParams;
  // `run` is a list (one per ticked run); every other parameter one value
  const runs = ([] as string[]).concat(sp.run ?? []).filter((r) => r.includes(SEP));
  const one = firstValues(sp);
  const metric = one.metric || undefined;
  const correction = one.correction === "bh" ? "bh" : "holm";
  const baseline = Math.max(0, runs.indexOf(one.baseline ?? ""));
  const caller = await api();
  const catalog = await caller.runs.catalog({});
  const groups = runs.map((r) => {
    const at = r.indexOf(SEP);
    return { sweepId: r.slice(0, at), config: r.slice(at + 1) };
  });
  const compared =
    groups.length >= 2
      ? await caller.runs
          .compare({ groups, baseline, metric, correction })
          .then((table) => ({ table, error: null }))
          .catch((e: unknown) => ({ table: undefined, error: messageOf(e) }))
      : { table: undefined, error: null };
  return (
    <main>
      <AutoSubmit />
      <h1>Compare runs across sweeps</h1>
      {compared.table ? (
        <>
          <ComparisonTable table={compared.table} />
          {compared.table.settingsNote && (
            <p className="warn" data-testid="settings-note">
              Note: {compared.table.settingsNote}.
            </p>
          )}
          {compared.table.confirmationNote && (
            <p className="muted" data-testid="confirmation-note">
              Note: {compared.table.confirmationNote}.
            </p>
          )}
          {compared.table.settingDifferences.length > 0 && (
            <table className="data" data-testid="setting-differences">
              <caption>Settings that differ between the compared runs</caption>
              <thead>
                <tr>
                  <th>setting</th>
                  {compared.table.groupLabels.map((label) => (
                    <th key={label}>{label}</th>
                  ))}
                  <th>searched</th>
                </tr>
              </thead>
              <tbody>
                {compared.table.settingDifferences.map((d) => (
                  <tr key={d.path} className={d.searched ? undefined : "warn"}>
                    <td>{d.path}</td>
                    {d.values.map((v, i) => (
                      <td key={compared.table.groupLabels[i]}>{v}</td>
                    ))}
                    <td>{d.searched ? "yes" : "no: not part of the comparison"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      ) : (
        <p className={compared.error ? "field-error" : "muted"}>
          {compared.error ?? "Tick two or more configurations below (from any sweeps) and compare them."}
        </p>
      )}
      {/* the choices shown are the URL's, also on Back (see ViewForm) */}
      <form method="get" autoComplete="off">
        <div className="view-options">
          <label>
            baseline
            <select
              name="baseline"
              defaultValue={runs[baseline] ?? ""}
              key={`baseline=${runs[baseline] ?? ""}`}
            >
              {runs.map((r, i) => (
                <option key={r} value={r}>
                  {catalog.find((s) => s.id === groups[i]!.sweepId)?.name ?? "?"}: {groups[i]!.config}
                </option>
              ))}
            </select>
          </label>
          <label>
            metric
            <select name="metric" defaultValue={metric ?? ""} key={`metric=${metric ?? ""}`}>
              <option value="">the first sweep&apos;s objective</option>
              {ObjectiveMetricSchema.options.map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          </label>
          <CorrectionChoice value={correction} />
          <button type="submit" className="primary">
            compare
          </button>
        </div>
        <h2>Runs</h2>
        {catalog.length === 0 && <p>No sweeps yet.</p>}
        {catalog.map((s) => (
          <details key={s.id} open={runs.some((r) => r.startsWith(`${s.id}${SEP}`))} className="catalog">
            <summary>
              {s.project}/{s.name}{" "}
              <span className="muted">
                ({age(s.createdAt)},{" "}
                {s.configs.length > 0
                  ? plural(s.configs.length, "configuration")
                  : "no configuration with a result"}
                )
              </span>
            </summary>
            <ul style={{ listStyle: "none", paddingLeft: "1rem" }}>
              {s.configs.map((c) => {
                const value = `${s.id}${SEP}${c.config}`;
                return (
                  <li key={c.config}>
                    <label>
                      <input type="checkbox" name="run" value={value} defaultChecked={runs.includes(value)} />{" "}
                      {c.config}{" "}
                      <span className="muted">
                        — {pct(c.mean)} {s.objective.metric}, {plural(c.seeds, "seed")}
                      </span>
                      <PosthocMeanMark posthoc={c.posthoc} />
                    </label>
                  </li>
                );
              })}
            </ul>
          </details>
        ))}
      </form>
    </main>
  );
}
