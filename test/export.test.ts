// The sweep export shared by `tailsweep sweep export` and the dashboard's download, on a real run store (PGlite in
// memory). It lives here rather than in packages/api because @tailsweep/api does not depend on @tailsweep/db.

import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  EXPORT_FORMATS,
  exportSweep,
  type SweepExport,
  SweepNotFoundError,
  toCsv,
  trialRows,
} from "@tailsweep/analysis";
import { type OpenedRunStore, openRunStore } from "@tailsweep/db";
import { parseSweepFile } from "@tailsweep/schemas";
import { expandSweep } from "@tailsweep/sweep";
import { parse } from "csv-parse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const spec = parseSweepFile({
  name: "exp",
  project: "proj",
  search: { nu: [5, 10] },
  seeds: [1],
  execution: { maxAttempts: 1 },
});
const sweepId = "0123456789abcdef-export";
const t0 = new Date("2026-01-01T00:00:00Z");
const result = {
  metrics: {
    test: {
      n: 30,
      accuracy: 0.8,
      balancedAccuracy: 0.7,
      macroF1: 0.65,
      gMean: 0.6,
      perClassRecall: [0.9, 0.5, 0.25],
      perClassPrecision: [0.9, 0.5, 0.25],
      confusion: [
        [9, 1, 0],
        [5, 5, 0],
        [5, 2, 3],
      ],
    },
    minorityRecall: 0.25,
    minorityClasses: [2],
    perModality: [],
  },
  backend: "cpu",
  seconds: 12.5,
};
const failure = 'diverged: loss "NaN", epoch 3';

/** The file's streamed text read to its end, and how many chunks it came in. */
async function read(file: SweepExport): Promise<{ text: string; chunks: number }> {
  let text = "";
  let chunks = 0;
  for await (const chunk of file.body) {
    expect(typeof chunk).toBe("string");
    text += chunk;
    chunks++;
  }
  return { text, chunks };
}

describe("exportSweep on a PGlite run store", () => {
  let opened: OpenedRunStore;

  beforeAll(async () => {
    opened = await openRunStore({ pgliteDir: "memory", databaseUrl: "" });
    const { store } = opened;
    await store.createSweep({ id: sweepId, spec, trials: expandSweep(spec), now: t0 });
    const [ok, bad] = await store.listTrials(sweepId);
    await store.claimTrial(ok!.id, "w1", t0, "cpu");
    await store.completeTrial(ok!.id, 1, result, t0);
    await store.claimTrial(bad!.id, "w2", t0, "wasm");
    await store.failTrial(bad!.id, 1, failure, false, t0);
    await store.setTrialAnnotations(ok!.id, { addTags: ["paper:fig3", "baseline"], notes: "best, so far" });
  });
  afterAll(async () => {
    await opened?.close();
  });

  it("writes CSV: one row per trial, headline metrics, recall per class, quoted where needed", async () => {
    const file = await exportSweep(opened.store, sweepId, "csv");
    expect(file).toMatchObject({
      filename: "proj-exp-01234567.csv",
      contentType: "text/csv; charset=utf-8",
      trials: 2,
    });
    const { text } = await read(file);
    expect(text.endsWith("\n")).toBe(true);
    const [header, ok, bad, ...rest] = text.slice(0, -1).split("\n");
    expect(rest).toEqual([]);
    expect(header!.split(",")).toEqual([
      "trial",
      "model.nu",
      "seed",
      "revision",
      "addedBy",
      "posthoc",
      "state",
      "attempt",
      "worker",
      "backend",
      "seconds",
      "accuracy",
      "balancedAccuracy",
      "macroF1",
      "gMean",
      "minorityRecall",
      "recall_0",
      "recall_1",
      "recall_2",
      "error",
      "errorCode",
      "tags",
      "notes",
    ]);
    const [okTrial, badTrial] = await opened.store.listTrials(sweepId);
    expect(ok).toBe(
      `${okTrial!.key},5,1,1,submit,false,succeeded,1,w1,cpu,12.5,0.8,0.7,0.65,0.6,0.25,0.9,0.5,0.25,,,"baseline, paper:fig3","best, so far"`,
    );
    // no result: empty metric and recall cells; the error holds a comma and quotes, so it is quoted (RFC 4180)
    expect(bad).toBe(
      `${badTrial!.key},10,1,1,submit,false,failed,1,w2,wasm,,,,,,,,,,"diverged: loss ""NaN"", epoch 3",,,`,
    );
  });

  it("writes CSV that csv-parse reads back into the same rows, awkward text included", async () => {
    const id = `${sweepId}-round-trip`;
    const roundTrip = parseSweepFile({
      name: "round-trip",
      project: "proj",
      search: { nu: [5, 10, 20], "model.encoderWidths": [[8, 8]] },
      seeds: [1],
      execution: { maxAttempts: 1 },
    });
    const { store } = opened;
    await store.createSweep({ id, spec: roundTrip, trials: expandSweep(roundTrip), now: t0 });
    const [ok, bad] = await store.listTrials(id);
    await store.claimTrial(ok!.id, "w1", t0, "cpu");
    await store.completeTrial(ok!.id, 1, result, t0);
    await store.claimTrial(bad!.id, "w,2", t0, "wasm");
    // a line break of each kind, quotes, a comma, a leading space and letters outside ASCII
    const awkward = ' diverged:\r\nloss "NaN", epoch 3\nγ = −2/(ν+n+m); "=1+1"';
    await store.failTrial(bad!.id, 1, awkward, false, t0);

    const file = await exportSweep(store, id, "csv");
    // The stream through csv-parse's stream, a chunk at a time as it comes.
    const parser = parse({ columns: true, bom: true });
    const records: Record<string, string>[] = [];
    parser.on("data", (record: Record<string, string>) => records.push(record));
    await pipeline(Readable.from(file.body), parser);
    const trials = await store.listTrials(id);
    const expected = trialRows(trials, await store.listResults(id), await store.listRevisions(id)).map(
      (row) =>
        Object.fromEntries(
          Object.entries(row).map(([k, v]) => [k, v === null || v === undefined ? "" : String(v)]),
        ),
    );
    // every row has every column: a trial without results has empty recall cells
    expect(records).toEqual(
      expected.map((row) => ({
        ...Object.fromEntries(Object.keys(records[0]!).map((k) => [k, ""])),
        ...row,
      })),
    );
    expect(records).toHaveLength(3);
    expect(records[0]).toMatchObject({ "model.encoderWidths": "[8,8]", recall_2: "0.25", worker: "w1" });
    expect(records[1]).toMatchObject({ error: awkward, worker: "w,2", state: "failed", recall_0: "" });
    expect(records[2]).toMatchObject({
      state: "waiting",
      seconds: "",
      revision: "1",
      addedBy: "submit",
      posthoc: "false",
    });
    // the numbers come back as the same numbers
    expect(Number(records[0]!.balancedAccuracy)).toBe(0.7);
    expect(Number(records[0]!.seconds)).toBe(12.5);
    await store.deleteSweep(id);
  });

  it("writes JSON: the sweep and every trial with its full result, as the CLI always has", async () => {
    const file = await exportSweep(opened.store, sweepId, "json");
    expect(file).toMatchObject({
      filename: "proj-exp-01234567.json",
      contentType: "application/json; charset=utf-8",
      trials: 2,
    });
    const { text } = await read(file);
    const parsed = JSON.parse(text);
    expect(Object.keys(parsed)).toEqual(["sweep", "trials", "revisions"]);
    expect(parsed.revisions).toMatchObject([{ revision: 1, kind: "submit", posthoc: false }]);
    expect(parsed.sweep).toMatchObject({ id: sweepId, project: "proj", name: "exp", trialCount: 2 });
    expect(parsed.sweep.spec.search).toEqual(spec.search);
    expect(parsed.trials).toHaveLength(2);
    expect(parsed.trials[0]).toMatchObject({ params: { "model.nu": 5 }, state: "succeeded", result });
    expect(parsed.trials[1]).toMatchObject({ state: "failed", error: failure, result: null });
    const sweep = await opened.store.getSweep(sweepId);
    const trials = await opened.store.listTrials(sweepId);
    const results = await opened.store.listResults(sweepId);
    const revisions = await opened.store.listRevisions(sweepId);
    // What the export would write as one string: the same bytes, not only the same value.
    const whole = `${JSON.stringify({ sweep, trials: trials.map((t) => ({ ...t, result: results.get(t.id) ?? null })), revisions }, null, 2)}\n`;
    expect(parsed).toEqual(JSON.parse(whole));
    expect(text).toBe(whole);
  });

  it("streams the same bytes it wrote as one string, awkward text included, and stops when its reader does", async () => {
    const id = `${sweepId}-bytes`;
    const many = parseSweepFile({
      name: "bytes",
      project: "proj",
      search: { nu: [5, 10, 20, 30], "model.encoderWidths": [[8, 8]] },
      seeds: [1, 2, 3],
      execution: { maxAttempts: 1 },
    });
    const { store } = opened;
    await store.createSweep({ id, spec: many, trials: expandSweep(many), now: t0 });
    const [ok, bad] = await store.listTrials(id);
    await store.claimTrial(ok!.id, "w1", t0, "cpu");
    await store.completeTrial(ok!.id, 1, result, t0);
    await store.claimTrial(bad!.id, "w,2", t0, "wasm");
    const awkward = ' diverged:\r\nloss "NaN", epoch 3\nγ = −2/(ν+n+m); "=1+1" 🙂';
    await store.failTrial(bad!.id, 1, awkward, false, t0);
    const trials = await store.listTrials(id);
    const results = await store.listResults(id);
    const revisions = await store.listRevisions(id);

    // CSV: byte for byte what toCsv (csv-stringify/sync, the export's text before it streamed) writes
    const csv = await read(await exportSweep(store, id, "csv"));
    expect(csv.text).toBe(toCsv(trialRows(trials, results, revisions)));
    expect(csv.text.split("\n")[2]).toBe(
      `${bad!.key},5,"[8,8]",2,1,submit,false,failed,1,"w,2",wasm,,,,,,,,,," diverged:\r`,
    );
    expect(csv.text).toContain(`\nloss ""NaN"", epoch 3\nγ = −2/(ν+n+m); ""=1+1"" 🙂",,,\n`);
    // JSON: the value and the bytes of the one-string JSON.stringify, a chunk per trial after the sweep's
    const json = await read(await exportSweep(store, id, "json"));
    const sweep = await store.getSweep(id);
    const whole = `${JSON.stringify({ sweep, trials: trials.map((t) => ({ ...t, result: results.get(t.id) ?? null })), revisions }, null, 2)}\n`;
    expect(JSON.parse(json.text)).toEqual(JSON.parse(whole));
    expect(json.text).toBe(whole);
    expect(json.chunks).toBe(trials.length + 2);
    expect(JSON.parse(json.text).trials[1]).toMatchObject({ error: awkward, result: null });

    // A reader that stops after the first chunk (a client gone) ends the stream without an error.
    for (const format of EXPORT_FORMATS) {
      const file = await exportSweep(store, id, format);
      for await (const chunk of file.body) {
        expect(chunk.length).toBeGreaterThan(0);
        break;
      }
    }
    await store.deleteSweep(id);
  });

  it("names the unknown sweep, and refuses a format it does not write", async () => {
    const missing = exportSweep(opened.store, "no-such-sweep", "csv");
    await expect(missing).rejects.toBeInstanceOf(SweepNotFoundError);
    await expect(missing).rejects.toThrow("no sweep with id no-such-sweep");
    await expect(exportSweep(opened.store, sweepId, "xml" as never)).rejects.toThrow(
      "format: must be one of csv, json, got 'xml'",
    );
    expect(EXPORT_FORMATS).toEqual(["csv", "json"]);
  });
});

describe("trialRows and toCsv", () => {
  it("flattens object params to JSON and quotes commas, quotes and line breaks", () => {
    const rows = trialRows(
      [
        {
          id: "s:k",
          sweepId: "s",
          key: "k",
          index: 0,
          params: { "model.encoderWidths": [8, 8], note: "a\nb" },
          seed: 1,
          config: expandSweep(spec)[0]!.config,
          revision: 1,
          configKey: "c",
          configLabel: "model.encoderWidths=[8,8] note=a\nb",
          kind: "cpu",
          state: "waiting",
          attempt: 0,
          maxAttempts: 1,
          retries: [],
          tags: [],
          notes: "",
        },
      ],
      new Map(),
    );
    expect(rows[0]).toMatchObject({
      "model.encoderWidths": "[8,8]",
      note: "a\nb",
      seconds: null,
      worker: "",
    });
    const csv = toCsv(rows);
    expect(csv.split("\n")[0]).toBe(
      "trial,model.encoderWidths,note,seed,revision,addedBy,posthoc,state,attempt,worker,backend,seconds,accuracy,balancedAccuracy,macroF1,gMean,minorityRecall,error,errorCode,tags,notes",
    );
    expect(csv).toBe(`${csv.split("\n")[0]}\nk,"[8,8]","a\nb",1,1,,,waiting,0,,,,,,,,,,,,\n`);
    expect(toCsv([])).toBe("\n");
    // booleans as words, a missing cell empty, a dotted column name a key (not a path into an object)
    expect(
      toCsv([
        { "a.b": true, flag: false },
        { "a.b": 1, a: { b: 2 } },
      ]),
    ).toBe('a.b,flag,a\ntrue,false,\n1,,"{""b"":2}"\n');
  });
});
