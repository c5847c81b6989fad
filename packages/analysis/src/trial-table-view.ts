import { metricOf, namesInBrief, ObjectiveMetricSchema, type TrialMetrics } from "@tailsweep/schemas";
import { paramValue, type TrialState } from "@tailsweep/sweep";
import { z } from "zod";
import { REPORT_METRICS } from "./report/build";

// The sweep page's trials table as the URL asks for it (issue #20: "a sortable, filterable trials table with columns
// the user picks"): which trials (state, a text in the configuration's label, a value per swept knob), in which
// order (any column, either way), with which columns, which page. Pure, so the page only renders, and a view is a
// link: every choice is a GET parameter.

/** Every trial state, in the order of a trial's life (also the order the state column sorts in). */
export const TRIAL_STATES = [
  "waiting",
  "running",
  "succeeded",
  "failed",
  "cancelled",
] as const satisfies readonly TrialState[];

/**
 * The metrics a trial's row carries (`metrics`), in the order the table offers them: the objective metrics, then
 * the pseudo-label ones (offered only where some trial has them: they need the unlabeled rows' hidden labels).
 */
export const TABLE_METRICS: readonly { id: string; label: string; always: boolean }[] = [
  ...new Set<string>([...ObjectiveMetricSchema.options, ...REPORT_METRICS.map((m) => m.id)]),
].map((id) => ({
  id,
  label: id === "accuracy" ? "accuracy" : (REPORT_METRICS.find((m) => m.id === id)?.label ?? id),
  always: (ObjectiveMetricSchema.options as readonly string[]).includes(id),
}));

/** A trial's {@link TABLE_METRICS} from its result: finite values only (an undefined metric is missing, not NaN). */
export function tableMetrics(metrics: TrialMetrics): Record<string, number> {
  const values: Record<string, number> = {};
  for (const { id } of TABLE_METRICS) {
    const v = metricOf(metrics, id);
    if (v !== undefined) values[id] = v;
  }
  return values;
}

/** What the table needs of a trial (`trialTable`'s rows have it all). */
export interface TrialViewRow {
  id: string;
  /** The configuration's label (`model.nu=5 variant=proposed`). */
  config: string;
  seed: number;
  state: TrialState;
  attempt: number;
  workerId?: string | undefined;
  backend?: string | undefined;
  error?: string | undefined;
  seconds: number | null;
  /** The swept knobs' values by path. */
  params: Readonly<Record<string, unknown>>;
  /** Finite metric values by {@link TABLE_METRICS} id; null for a trial without a result. */
  metrics: Readonly<Record<string, number | undefined>> | null;
  /** People's tags and notes on the trial (`tailsweep trial tag|note`, the trial page's form). */
  tags: readonly string[];
  notes?: string;
}

export type SortDirection = "asc" | "desc";

/** A column the table can show and sort by. `id` is what `sort=` and `cols=` name. */
export interface TrialColumn {
  id: string;
  /** Its header and its name in the column picker. */
  label: string;
  kind: "config" | "knob" | "fixed" | "metric";
  /** Its values are numbers: right-aligned. */
  numeric: boolean;
  /** The way a first click on its header sorts: best first for a metric, else ascending. */
  firstDirection: SortDirection;
}

/** The configuration: always shown, first. */
export const CONFIG_COLUMN = "config";

const FIXED_COLUMNS: readonly TrialColumn[] = [
  { id: "seed", label: "seed", numeric: true },
  { id: "state", label: "state", numeric: false },
  { id: "attempt", label: "attempt", numeric: true },
  { id: "worker", label: "worker", numeric: false },
  { id: "backend", label: "backend", numeric: false },
  { id: "seconds", label: "seconds", numeric: true },
  { id: "tags", label: "tags", numeric: false },
  { id: "error", label: "error", numeric: false },
].map((c) => ({ ...c, kind: "fixed", firstDirection: "asc" }));

/**
 * The columns of a sweep's table, in the order they are shown: the configuration, each swept knob, the trial's own
 * columns, the metrics (the pseudo-label ones where some trial has them), and the error last.
 */
export function trialColumns(rows: readonly TrialViewRow[], knobs: readonly string[]): TrialColumn[] {
  const fixed = (id: string) => FIXED_COLUMNS.find((c) => c.id === id)!;
  return [
    { id: CONFIG_COLUMN, label: "configuration", kind: "config", numeric: false, firstDirection: "asc" },
    ...[...knobs].sort().map(
      (knob): TrialColumn => ({
        id: knob,
        label: knob,
        kind: "knob",
        numeric: rows.every((r) => r.params[knob] === undefined || typeof r.params[knob] === "number"),
        firstDirection: "asc",
      }),
    ),
    ...FIXED_COLUMNS.filter((c) => c.id !== "error"),
    ...TABLE_METRICS.filter((m) => m.always || rows.some((r) => r.metrics?.[m.id] !== undefined)).map(
      (m): TrialColumn => ({
        id: m.id,
        label: m.label,
        kind: "metric",
        numeric: true,
        firstDirection: "desc",
      }),
    ),
    fixed("error"),
  ];
}

/**
 * The columns shown without a `cols=`: what the table always showed (balanced accuracy among the metrics), the swept
 * knobs, the sweep's objective, and the tags where some trial has tags or notes.
 */
export function defaultTrialColumns(
  columns: readonly TrialColumn[],
  objective?: string,
  tagged = false,
): string[] {
  const wanted = new Set(["balancedAccuracy", ...(objective ? [objective] : [])]);
  return columns
    .filter((c) => (c.kind !== "metric" || wanted.has(c.id)) && (c.id !== "tags" || tagged))
    .map((c) => c.id);
}

/** A view of the table: which trials, in which order, with which columns, which page. */
export interface TrialViewSpec {
  state?: TrialState | undefined;
  /** A text the configuration's label must hold (any case). */
  q?: string | undefined;
  /** A tag the trial must carry. */
  tag?: string | undefined;
  /** Knob path → the value (as the label writes it) a trial must have. */
  where: Record<string, string>;
  /** A column id; none keeps the store's order (the trials' index). */
  sort?: string | undefined;
  direction: SortDirection;
  /** The shown columns' ids, in the table's column order; the configuration always among them. */
  columns: string[];
  page: number;
}

/** The view's own GET parameters; a knob's filter is its path (`variant=proposed`, `model.nu=5`). */
export const TRIAL_VIEW_PARAMS = ["state", "q", "tag", "sort", "dir", "cols", "page"] as const;

const MAX_TEXT = 200;
/** The most problems of one field named (a link with a hundred unknown columns gets a line, not a page). */
const MAX_NAMED = 5;
const text = z
  .string()
  .max(MAX_TEXT, `must be at most ${MAX_TEXT} characters`)
  .refine((s) => !s.includes("\u0000"), "must not contain the NUL character");

/**
 * Reads the table's view from the page's query (one value per parameter; `cols` a comma-separated list). A bad
 * field is left at its default and named in `problems` (`sort: 'x' is not a column of this table; …`), a bad entry
 * of `cols` dropped and named, so a hand-edited or stale link shows the page, with a line saying what was ignored.
 */
export function parseTrialView(
  query: Readonly<Record<string, string | undefined>>,
  columns: readonly TrialColumn[],
  defaults: readonly string[],
): { spec: TrialViewSpec; problems: string[] } {
  const ids = columns.map((c) => c.id);
  const known = `columns: ${ids.join(", ")}`;
  const columnId = z.string().refine((id) => ids.includes(id), {
    // quoted short: the page prints it, whatever a link put there
    error: (issue) => `'${String(issue.input).slice(0, 60)}' is not a column of this table`,
  });
  const fields = {
    state: z.enum(TRIAL_STATES, { error: `must be one of ${TRIAL_STATES.join(", ")}` }),
    q: text,
    tag: text,
    sort: columnId,
    dir: z.enum(["asc", "desc"], { error: "must be asc or desc" }),
    cols: z
      .string()
      .transform((s) => s.split(",").map((c) => c.trim()))
      .pipe(z.array(columnId)),
    page: z
      .string()
      .regex(/^\d+$/, "must be a whole number from 1")
      .transform(Number)
      .pipe(z.number().min(1, "must be a whole number from 1")),
  };
  const problems: string[] = [];
  /** A field's value: undefined when absent, empty or bad (then named in `problems`). */
  function field<S extends z.ZodType>(name: string, schema: S): z.output<S> | undefined {
    const raw = query[name];
    if (raw === undefined || raw === "") return undefined;
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    const all = [...new Set(parsed.error.issues.map((i) => i.message))];
    const messages = namesInBrief(all, { shown: MAX_NAMED, separator: "; " });
    const listed = name === "sort" || name === "cols" ? `; ${known}` : "";
    problems.push(`${name}: ${messages}${listed}${name === "cols" ? " (the others are shown)" : ""}`);
    return undefined;
  }
  const state = field("state", fields.state);
  const q = field("q", fields.q)?.trim() || undefined;
  const tag = field("tag", fields.tag)?.trim() || undefined;
  const sort = field("sort", fields.sort);
  const dir = field("dir", fields.dir);
  // A bad entry of cols drops that entry only.
  const listed = query.cols ? query.cols.split(",").map((c) => c.trim()) : undefined;
  const cols = field("cols", fields.cols) ?? listed?.filter((c) => ids.includes(c));
  const page = field("page", fields.page) ?? 1;
  const where: Record<string, string> = {};
  for (const column of columns) {
    if (column.kind !== "knob" || (TRIAL_VIEW_PARAMS as readonly string[]).includes(column.id)) continue;
    const value = field(column.id, text);
    if (value !== undefined) where[column.id] = value;
  }
  const shown = new Set([CONFIG_COLUMN, ...(cols ?? defaults)]);
  return {
    spec: {
      state,
      q,
      tag,
      where,
      sort,
      direction: dir ?? columns.find((c) => c.id === sort)?.firstDirection ?? "asc",
      columns: ids.filter((id) => shown.has(id)),
      page,
    },
    problems,
  };
}

/** A row's value in a column, for sorting: undefined where it has none (a trial without a result). */
export function cellValue(row: TrialViewRow, column: TrialColumn): number | string | undefined {
  const text = (s: string | undefined) => (s ? s : undefined);
  const number = (v: number | null | undefined) =>
    typeof v === "number" && Number.isFinite(v) ? v : undefined;
  switch (column.kind) {
    case "config":
      return row.config;
    case "knob": {
      const v = row.params[column.id];
      return v === undefined || v === null ? undefined : typeof v === "number" ? number(v) : paramValue(v);
    }
    case "metric":
      return number(row.metrics?.[column.id]);
    case "fixed":
      switch (column.id) {
        case "seed":
          return row.seed;
        case "state":
          return TRIAL_STATES.indexOf(row.state);
        case "attempt":
          return row.attempt;
        case "worker":
          return text(row.workerId);
        case "backend":
          return text(row.backend);
        case "seconds":
          return number(row.seconds);
        case "tags":
          return text(row.tags.join(" "));
        case "error":
          return text(row.error);
      }
  }
  return undefined;
}

// Numbers inside labels in their order (`nu=5` before `nu=30`), the same on every server.
const collator = new Intl.Collator("en", { numeric: true });
/** Numbers before texts; numbers by value, texts as people order them. */
function compareValues(a: number | string, b: number | string): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "number") return -1;
  if (typeof b === "number") return 1;
  return collator.compare(a, b);
}

/** Whether a row passes the view's filters. */
export function matchesTrialView(row: TrialViewRow, spec: TrialViewSpec): boolean {
  if (spec.state && row.state !== spec.state) return false;
  if (spec.q && !row.config.toLowerCase().includes(spec.q.toLowerCase())) return false;
  if (spec.tag && !row.tags.includes(spec.tag)) return false;
  for (const [knob, value] of Object.entries(spec.where)) {
    const v = row.params[knob];
    if (v === undefined || paramValue(v) !== value) return false;
  }
  return true;
}

/**
 * The rows sorted by a column: missing values last whichever the direction, ties by configuration label then seed
 * (both ascending), then as they came.
 */
export function sortTrials<R extends TrialViewRow>(
  rows: readonly R[],
  column: TrialColumn,
  direction: SortDirection,
): R[] {
  const sign = direction === "desc" ? -1 : 1;
  const keyed = rows.map((row) => ({ row, value: cellValue(row, column) }));
  keyed.sort((a, b) => {
    if (a.value === undefined || b.value === undefined) {
      if (a.value !== b.value) return a.value === undefined ? 1 : -1;
    } else {
      const c = compareValues(a.value, b.value);
      if (c !== 0) return sign * c;
    }
    return collator.compare(a.row.config, b.row.config) || a.row.seed - b.row.seed;
  });
  return keyed.map((k) => k.row);
}

/** The view applied: the page's rows, how many matched of how many, the page, and the shown columns. */
export function applyTrialView<R extends TrialViewRow>(
  rows: readonly R[],
  spec: TrialViewSpec,
  columns: readonly TrialColumn[],
  perPage: number,
) {
  const matched = rows.filter((row) => matchesTrialView(row, spec));
  const sortBy = columns.find((c) => c.id === spec.sort);
  const ordered = sortBy ? sortTrials(matched, sortBy, spec.direction) : matched;
  const pages = Math.max(1, Math.ceil(ordered.length / perPage));
  const page = Math.min(spec.page, pages);
  return {
    total: rows.length,
    matched: matched.length,
    page,
    pages,
    rows: ordered.slice((page - 1) * perPage, page * perPage),
    shown: columns.filter((c) => spec.columns.includes(c.id)),
  };
}

/** Each knob's values among the rows (as labels write them), numbers by value first: the choices of its filter. */
export function knobValues(
  rows: readonly TrialViewRow[],
  knobs: readonly string[],
): Record<string, string[]> {
  const values: Record<string, string[]> = {};
  for (const knob of knobs) {
    const present = new Map<string, number | string>();
    for (const row of rows) {
      const v = row.params[knob];
      if (v !== undefined) present.set(paramValue(v), typeof v === "number" ? v : paramValue(v));
    }
    values[knob] = [...present].sort((a, b) => compareValues(a[1], b[1])).map(([label]) => label);
  }
  return values;
}

/** The sort a click on a column's header asks for: the other way round if it is the sorted one, else its first way. */
export function nextSort(spec: TrialViewSpec, column: TrialColumn): { sort: string; dir: SortDirection } {
  if (spec.sort === column.id) return { sort: column.id, dir: spec.direction === "asc" ? "desc" : "asc" };
  return { sort: column.id, dir: column.firstDirection };
}

/** Everything the page shows of the table, from its rows, the sweep's knobs and objective, and the query. */
export function trialTableView<R extends TrialViewRow>(
  rows: readonly R[],
  query: Readonly<Record<string, string | undefined>>,
  sweep: { knobs: readonly string[]; objective?: string; perPage: number },
) {
  const columns = trialColumns(rows, sweep.knobs);
  const tags = [...new Set(rows.flatMap((r) => r.tags))].sort(collator.compare);
  const annotated = rows.some((r) => r.tags.length > 0 || (r.notes ?? "") !== "");
  const { spec, problems } = parseTrialView(
    query,
    columns,
    defaultTrialColumns(columns, sweep.objective, annotated),
  );
  return {
    spec,
    problems,
    columns,
    knobValues: knobValues(rows, sweep.knobs),
    /** The tags the trials carry: the choices of the tag filter. */
    tags,
    filtered:
      spec.state !== undefined ||
      spec.q !== undefined ||
      spec.tag !== undefined ||
      Object.keys(spec.where).length > 0,
    ...applyTrialView(rows, spec, columns, sweep.perPage),
  };
}
