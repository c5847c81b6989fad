import { describe, expect, it } from "vitest";
import {
  applyTrialView,
  defaultTrialColumns,
  knobValues,
  nextSort,
  parseTrialView,
  TABLE_METRICS,
  type TrialViewRow,
  tableMetrics,
  trialColumns,
  trialTableView,
} from "./trial-table-view";

function row(
  id: string,
  params: Record<string, unknown>,
  seed: number,
  metrics: Record<string, number> | null,
  extra: Partial<TrialViewRow> = {},
): TrialViewRow {
  const config = Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join(" ");
  return {
    id,
    config,
    seed,
    state: metrics ? "succeeded" : "waiting",
    attempt: 1,
    seconds: 3,
    params,
    metrics,
    tags: [],
    ...extra,
  };
}

// 3 configurations × 2 seeds, one trial still waiting (no result), ν written as numbers (5 < 30 by value).
const rows: TrialViewRow[] = [
  row("t1", { "model.nu": 30, variant: "proposed" }, 1, { balancedAccuracy: 0.7, macroF1: 0.5 }),
  row("t2", { "model.nu": 30, variant: "proposed" }, 2, { balancedAccuracy: 0.8, macroF1: 0.6 }),
  row("t3", { "model.nu": 5, variant: "proposed" }, 1, { balancedAccuracy: 0.8, macroF1: 0.7 }),
  row("t4", { "model.nu": 5, variant: "proposed" }, 2, null),
  row("t5", { "model.nu": 5, variant: "gaussian" }, 2, { balancedAccuracy: 0.6, macroF1: 0.4 }),
  row(
    "t6",
    { "model.nu": 5, variant: "gaussian" },
    1,
    { balancedAccuracy: 0.8, macroF1: 0.3 },
    {
      state: "failed",
      error: "boom",
    },
  ),
];
const knobs = ["variant", "model.nu"];
const view = (query: Record<string, string>, perPage = 100) =>
  trialTableView(rows, query, { knobs, objective: "macroF1", perPage });
const ids = (v: { rows: TrialViewRow[] }) => v.rows.map((r) => r.id);

describe("trial table columns", () => {
  it("lists the configuration, the knobs, the trial's columns, the metrics, and the error last", () => {
    const columns = trialColumns(rows, knobs);
    expect(columns.map((c) => c.id)).toEqual([
      "config",
      "model.nu",
      "variant",
      "seed",
      "state",
      "attempt",
      "worker",
      "backend",
      "seconds",
      "tags",
      "balancedAccuracy",
      "accuracy",
      "macroF1",
      "gMean",
      "minorityRecall",
      "error",
    ]);
    expect(columns.find((c) => c.id === "model.nu")?.numeric).toBe(true);
    expect(columns.find((c) => c.id === "variant")?.numeric).toBe(false);
    expect(columns.find((c) => c.id === "macroF1")).toMatchObject({
      label: "macro-F1",
      firstDirection: "desc",
    });
  });

  it("offers the pseudo-label metrics only where a trial has them", () => {
    const withPseudo = [...rows, row("t7", { variant: "x" }, 1, { pseudoBalancedAccuracy: 0.5 })];
    const offered = trialColumns(withPseudo, knobs).map((c) => c.id);
    expect(offered).toContain("pseudoBalancedAccuracy");
    expect(offered).not.toContain("pseudoMinorityRecall");
  });

  it("shows by default what the table always showed, the swept knobs and the objective", () => {
    const columns = trialColumns(rows, knobs);
    expect(defaultTrialColumns(columns, "macroF1")).toEqual([
      "config",
      "model.nu",
      "variant",
      "seed",
      "state",
      "attempt",
      "worker",
      "backend",
      "seconds",
      "balancedAccuracy",
      "macroF1",
      "error",
    ]);
    expect(view({}).shown.map((c) => c.id)).toEqual(defaultTrialColumns(columns, "macroF1"));
  });

  it("shows, filters and sorts by people's tags on trials, offering the tags they carry", () => {
    const tagged = rows.map((r) =>
      r.id === "t3" ? { ...r, tags: ["diverged", "look"] } : r.id === "t5" ? { ...r, tags: ["look"] } : r,
    );
    const tagView = (query: Record<string, string>) =>
      trialTableView(tagged, query, { knobs, objective: "macroF1", perPage: 100 });
    expect(tagView({}).shown.map((c) => c.id)).toContain("tags");
    expect(view({}).shown.map((c) => c.id)).not.toContain("tags");
    expect(tagView({}).tags).toEqual(["diverged", "look"]);
    expect(ids(tagView({ tag: "look" }))).toEqual(["t3", "t5"]);
    expect(tagView({ tag: "look" })).toMatchObject({ filtered: true, matched: 2, total: 6 });
    expect(ids(tagView({ tag: "nothing" }))).toEqual([]);
    // notes alone show the column too: its cell carries them
    const noted = rows.map((r) => (r.id === "t1" ? { ...r, notes: "diverged at epoch 3" } : r));
    expect(
      trialTableView(noted, {}, { knobs, objective: "macroF1", perPage: 100 }).shown.map((c) => c.id),
    ).toContain("tags");
    // tagged trials first, by their tags' text; the untagged last, by configuration and seed
    expect(ids(tagView({ sort: "tags" })).slice(0, 2)).toEqual(["t3", "t5"]);
  });

  it("shows the picked columns in the table's order, the configuration always", () => {
    expect(view({ cols: "gMean,seed,variant" }).shown.map((c) => c.id)).toEqual([
      "config",
      "variant",
      "seed",
      "gMean",
    ]);
  });

  it("reads a result's metrics by the names objectives use, finite values only", () => {
    const metrics = {
      test: {
        n: 2,
        accuracy: 0.5,
        balancedAccuracy: 0.6,
        macroF1: Number.NaN,
        gMean: 0.4,
        perClassRecall: [0.5, 0.7],
        perClassPrecision: [0.5, 0.5],
        confusion: [],
      },
      minorityRecall: 0.7,
      minorityClasses: [1],
      perModality: [],
      pseudoLabels: { accuracy: 0.9, balancedAccuracy: 0.8, perClassRecall: [0.9, 0.6], predictedShare: [] },
    };
    expect(tableMetrics(metrics)).toEqual({
      balancedAccuracy: 0.6,
      accuracy: 0.5,
      gMean: 0.4,
      minorityRecall: 0.7,
      pseudoBalancedAccuracy: 0.8,
      pseudoMinorityRecall: 0.6,
    });
    expect(TABLE_METRICS.map((m) => m.id)).toContain("pseudoMinorityRecall");
  });
});

describe("sorting the trials table", () => {
  it("sorts numbers by value, missing values last either way, ties by configuration then seed", () => {
    // t2, t3 and t6 tie at 0.8: by label (model.nu=5 before model.nu=30: numbers in labels by value), then seed
    expect(ids(view({ sort: "balancedAccuracy", dir: "desc" }))).toEqual([
      "t6",
      "t3",
      "t2",
      "t1",
      "t5",
      "t4",
    ]);
    expect(ids(view({ sort: "balancedAccuracy", dir: "asc" }))).toEqual(["t5", "t1", "t6", "t3", "t2", "t4"]);
    expect(ids(view({ sort: "model.nu", dir: "desc" }))).toEqual(["t1", "t2", "t6", "t5", "t3", "t4"]);
    expect(ids(view({ sort: "error", dir: "desc" }))).toEqual(["t6", "t5", "t3", "t4", "t1", "t2"]);
  });

  it("sorts a metric best first on a first click, and the other way on the next", () => {
    const first = view({ sort: "macroF1" });
    expect(first.spec.direction).toBe("desc");
    expect(ids(first)).toEqual(["t3", "t2", "t1", "t5", "t6", "t4"]);
    const macro = first.columns.find((c) => c.id === "macroF1")!;
    expect(nextSort(first.spec, macro)).toEqual({ sort: "macroF1", dir: "asc" });
    const seed = first.columns.find((c) => c.id === "seed")!;
    expect(nextSort(first.spec, seed)).toEqual({ sort: "seed", dir: "asc" });
    expect(view({ sort: "seed" }).spec.direction).toBe("asc");
  });

  it("keeps the store's order without a sort, and sorts states in a trial's life order", () => {
    expect(ids(view({}))).toEqual(["t1", "t2", "t3", "t4", "t5", "t6"]);
    expect(ids(view({ sort: "state" }))).toEqual(["t4", "t5", "t3", "t1", "t2", "t6"]);
  });
});

describe("filtering the trials table", () => {
  it("filters by state, by a text in the label (any case) and by knob values, and counts the matches", () => {
    const v = view({ variant: "proposed", q: "NU=5" });
    expect(ids(v)).toEqual(["t3", "t4"]);
    expect(v).toMatchObject({ matched: 2, total: 6, filtered: true });
    expect(ids(view({ "model.nu": "30" }))).toEqual(["t1", "t2"]);
    expect(ids(view({ state: "failed" }))).toEqual(["t6"]);
    expect(view({ variant: "nope" }).matched).toBe(0);
    expect(view({ state: "", q: "  ", variant: "" })).toMatchObject({ matched: 6, filtered: false });
  });

  it("lists each knob's values, numbers by value", () => {
    expect(knobValues(rows, knobs)).toEqual({ variant: ["gaussian", "proposed"], "model.nu": ["5", "30"] });
  });

  it("pages the filtered, sorted rows, and keeps a page past the last on the last", () => {
    const v = view({ sort: "macroF1", variant: "proposed", page: "2" }, 2);
    expect(v).toMatchObject({ page: 2, pages: 2, matched: 4 });
    expect(ids(v)).toEqual(["t1", "t4"]);
    expect(view({ page: "9" }, 4)).toMatchObject({ page: 2, pages: 2 });
  });
});

describe("reading the view from the URL", () => {
  it("names every bad field, leaves it at its default, and keeps the rest", () => {
    const v = view({
      sort: "bogus",
      dir: "up",
      state: "done",
      page: "x",
      cols: "seed,nope,macroF1",
      q: "nu",
    });
    expect(v.problems).toEqual([
      "state: must be one of waiting, running, succeeded, failed, cancelled",
      expect.stringMatching(
        /^sort: 'bogus' is not a column of this table; columns: config, model\.nu, variant, /,
      ),
      "dir: must be asc or desc",
      expect.stringMatching(
        /^cols: 'nope' is not a column of this table; columns: .* \(the others are shown\)$/,
      ),
      "page: must be a whole number from 1",
    ]);
    expect(v.spec).toMatchObject({ sort: undefined, direction: "asc", state: undefined, page: 1, q: "nu" });
    expect(v.shown.map((c) => c.id)).toEqual(["config", "seed", "macroF1"]);
    expect(v.matched).toBe(6);
    expect(view({ q: "x".repeat(201) }).problems).toEqual(["q: must be at most 200 characters"]);
    expect(view({ variant: "a\u0000" }).problems).toEqual(["variant: must not contain the NUL character"]);
    expect(view({ page: "0" }).problems).toEqual(["page: must be a whole number from 1"]);
    const many = view({ cols: Array.from({ length: 40 }, (_, i) => `c${i}`).join(",") }).problems;
    expect(many).toHaveLength(1);
    expect(many[0]).toMatch(/'c4' is not a column of this table and 35 more; columns: /);
  });

  it("reads a well-formed view without a problem", () => {
    const v = view({
      sort: "model.nu",
      dir: "desc",
      cols: "config,variant,gMean",
      state: "succeeded",
      page: "1",
    });
    expect(v.problems).toEqual([]);
    expect(v.spec).toMatchObject({ sort: "model.nu", direction: "desc", state: "succeeded", page: 1 });
    expect(applyTrialView(rows, v.spec, v.columns, 100).shown.map((c) => c.label)).toEqual([
      "configuration",
      "variant",
      "G-mean",
    ]);
    // knobs named like the view's own parameters could not be told apart: none is (canonical paths are dotted or
    // the variant), and parseTrialView would leave such a knob unfiltered rather than misread the parameter
    expect(parseTrialView({}, v.columns, []).spec.columns).toEqual(["config"]);
  });
});
