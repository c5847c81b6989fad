// The same command through the API either way: in this process (tRPC's localLink over the run store) and logged in
// to a dashboard (httpLink to an HTTP server mounting the API on the same store) prints the same JSON and exits with
// the same status. PGlite serves one process at a time, so the local runs come first, then the server opens the store.
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateApiToken } from "@tailsweep/access";
import { apiResponse, callerFromAuthorization } from "@tailsweep/api";
import { InProcessBus } from "@tailsweep/bus";
import { Controller } from "@tailsweep/controller";
import { type OpenedRunStore, openRunStore } from "@tailsweep/db";
import { parseSweepFile } from "@tailsweep/schemas";
import { expandSweep } from "@tailsweep/sweep";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliRun, runCli } from "./testing/cli-process";

const dir = mkdtempSync(join(tmpdir(), "tailsweep-modes-"));
const dbDir = join(dir, "db");
const sweepId = "modes-0123456789abcdef";

const spec = parseSweepFile({ name: "modes", project: "modes", search: { nu: [5, 10] }, seeds: [1, 2] });
const trialId = `${sweepId}:${expandSweep(spec)[0]!.key}`;

/** Two configurations × two seeds, finished, with results that differ by configuration and seed. */
async function seed(opened: OpenedRunStore): Promise<string> {
  const t0 = new Date("2026-01-01T00:00:00Z");
  await opened.store.createSweep({ id: sweepId, spec, trials: expandSweep(spec), now: t0 });
  await opened.store.setSweepAnnotations(sweepId, { tags: ["draft"] });
  for (const [i, trial] of (await opened.store.listTrials(sweepId)).entries()) {
    await opened.store.claimTrial(trial.id, `w${i}`, t0, "cpu");
    // nu=10 ahead on every seed, by an amount that varies with the seed (a constant one is a degenerate test).
    const v = 0.5 + 0.01 * trial.seed + (trial.params["model.nu"] === 10 ? 0.1 + 0.02 * trial.seed : 0);
    await opened.store.completeTrial(
      trial.id,
      1,
      {
        metrics: {
          test: {
            n: 20,
            accuracy: v,
            balancedAccuracy: v,
            macroF1: v - 0.05,
            gMean: v - 0.1,
            perClassRecall: [v, v - 0.2],
            perClassPrecision: [v, v - 0.1],
            confusion: [
              [8, 2],
              [4, 6],
            ],
          },
          minorityRecall: v - 0.2,
          minorityClasses: [1],
          perModality: [],
        },
        backend: "cpu",
        seconds: 3 + i,
      },
      new Date(t0.getTime() + 1000 * (i + 1)),
    );
  }
  const user = await opened.access.createUser({ email: "ada@example.org", name: "Ada" });
  await opened.access.setRole("modes", user.id, "owner");
  const token = generateApiToken();
  await opened.access.createApiToken({
    id: token.id,
    userId: user.id,
    projectId: "modes",
    name: "test",
    tokenHash: token.hash,
    expiresAt: new Date(Date.now() + 86_400_000),
  });
  return token.token;
}

/** An HTTP server mounting the API on `opened` (as the dashboard does), its launcher a controller on an idle bus. */
async function serve(opened: OpenedRunStore): Promise<{ server: Server; url: string }> {
  const controller = new Controller(opened.store, new InProcessBus());
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = new Request(`http://127.0.0.1${req.url}`, {
      method: req.method!,
      headers: Object.entries(req.headers).flatMap(([k, v]) => (typeof v === "string" ? [[k, v]] : [])),
      ...(chunks.length > 0 && { body: Buffer.concat(chunks) }),
    });
    const response = await apiResponse(request, async (r) => ({
      store: opened.store,
      access: opened.access,
      caller: await callerFromAuthorization(opened.access, r.headers.get("authorization")),
      launcher: controller,
    }));
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

/** The real CLI in a child process with `env` on top of an embedded, logged-out environment; never throws. */
const tailsweep = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { TAILSWEEP_DB_DIR: dbDir, XDG_CONFIG_HOME: dir, ...env });

/**
 * What each mode is asked, by name. The tags and notes first: the local runs go in this order, the remote ones all at
 * once, so every later command of both modes sees them set (a repeat of the same edit changes nothing).
 */
const COMMANDS: Record<string, string[]> = {
  tag: [
    "sweep",
    "tag",
    sweepId,
    "--add",
    "paper:fig3,ν-grid",
    "--add",
    "ν-grid",
    "--remove",
    "draft",
    "--json",
  ],
  note: ["sweep", "note", sweepId, "--set", "ν = 10 leads on every seed.\n\nRerun with 5 seeds.", "--json"],
  trialTag: ["trial", "tag", trialId, "--add", "diverged", "--json"],
  trialNote: ["trial", "note", trialId, "--set", "loss NaN at epoch 3", "--json"],
  tags: ["sweep", "tag", sweepId],
  notes: ["sweep", "note", sweepId],
  tagged: ["sweep", "list", "--tag", "paper:fig3", "--json"],
  notTagged: ["sweep", "list", "--tag", "other"],
  searched: ["sweep", "list", "--search", "RERUN"],
  badTag: ["sweep", "tag", sweepId, "--add", "ok,<b>", "--remove", "semi;colon"],
  status: ["sweep", "status", sweepId, "--json"],
  latest: ["sweep", "status", "--json"],
  list: ["sweep", "list", "--json"],
  compare: ["compare", sweepId, "--baseline", "model.nu=5", "--json"],
  badBaseline: ["compare", sweepId, "--baseline", "model.nu=7"],
  csv: ["sweep", "export", sweepId],
  json: ["sweep", "export", sweepId, "--format", "json"],
  toFile: ["sweep", "export", sweepId, "-o", join(dir, "runs.json")],
  report: ["report", sweepId.slice(0, 8), "--json"],
  reportTwice: ["report", sweepId, sweepId.slice(0, 8), "no-such-sweep", "--json"],
  unknownStatus: ["sweep", "status", "no-such-sweep", "--json"],
  unknownExport: ["sweep", "export", "no-such-sweep"],
  unknownCancel: ["sweep", "cancel", "no-such-sweep"],
};

describe("a command in process (localLink) and on a dashboard (httpLink)", { timeout: 600_000 }, () => {
  const local: Record<string, CliRun> = {};
  const remote: Record<string, CliRun> = {};
  let server: Server | undefined;
  let url = "";
  let opened: OpenedRunStore | undefined;

  beforeAll(async () => {
    const seeding = await openRunStore({ pgliteDir: dbDir, databaseUrl: "" });
    let token: string;
    try {
      token = await seed(seeding);
    } finally {
      await seeding.close();
    }
    for (const [name, args] of Object.entries(COMMANDS)) local[name] = await tailsweep(args);
    opened = await openRunStore({ pgliteDir: dbDir, databaseUrl: "" });
    const served = await serve(opened);
    server = served.server;
    url = served.url;
    const login = { TAILSWEEP_URL: served.url, TAILSWEEP_TOKEN: token };
    const runs = await Promise.all(
      Object.entries(COMMANDS).map(async ([name, args]) => [name, await tailsweep(args, login)] as const),
    );
    for (const [name, ran] of runs) remote[name] = ran;
  }, 600_000);

  afterAll(async () => {
    server?.close();
    await opened?.close();
  });

  it("prints the same JSON for sweep status, sweep list and compare", () => {
    for (const name of ["status", "latest", "list", "compare"]) {
      expect([name, local[name]!.code, local[name]!.stderr]).toEqual([name, 0, expect.any(String)]);
      expect([name, remote[name]!.code, remote[name]!.stderr]).toEqual([name, 0, expect.any(String)]);
      expect(JSON.parse(remote[name]!.stdout)).toEqual(JSON.parse(local[name]!.stdout));
    }
    const status = JSON.parse(local.status!.stdout);
    expect(status).toMatchObject({ id: sweepId, status: "completed", counts: { succeeded: 4 } });
    // Ranked by the same analysis function in both modes: nu=10 is better on every seed.
    expect(status.ranking.map((r: { params: string; seeds: number }) => [r.params, r.seeds])).toEqual([
      ["model.nu=10", 2],
      ["model.nu=5", 2],
    ]);
    expect(JSON.parse(local.latest!.stdout)).toEqual(status);
    const compared = JSON.parse(local.compare!.stdout);
    expect(compared).toMatchObject({ sweep: sweepId, baseline: "model.nu=5" });
    const nu10 = compared.rows.find((r: { config: string }) => r.config === "model.nu=10");
    expect(nu10.vsBaseline.comparison).toMatchObject({ method: "paired", n: 2 });
    expect(nu10.vsBaseline.verdict).not.toBe("degenerate");
  });

  it("exports the same CSV and JSON files", () => {
    for (const name of ["csv", "json"]) {
      expect([name, local[name]!.code, remote[name]!.code]).toEqual([name, 0, 0]);
      expect(remote[name]!.stdout).toBe(local[name]!.stdout);
    }
    expect(local.csv!.stdout.trimEnd().split("\n")).toHaveLength(5);
    expect(JSON.parse(local.json!.stdout).trials).toHaveLength(4);
    // To a file (both modes wrote the same one): the trial count is the stream's, told once it is written.
    for (const r of [local.toFile!, remote.toFile!]) {
      expect([r.code, r.stdout]).toEqual([0, ""]);
      expect(r.stderr).toContain(`exported 4 trials of sweep ${sweepId} to ${join(dir, "runs.json")} (json)`);
    }
    expect(readFileSync(join(dir, "runs.json"), "utf8")).toBe(local.json!.stdout);
  });

  it("builds the same report from an id prefix", () => {
    const [a, b] = [local.report!, remote.report!].map((r) => {
      expect(r.code, r.stderr).toBe(0);
      const { generatedAt: _, ...report } = JSON.parse(r.stdout);
      return report;
    });
    expect(b).toEqual(a);
    expect(a.sweeps).toEqual([expect.objectContaining({ id: sweepId, trials: 4 })]);
  });

  it("refuses a report that names a sweep twice, with every bad id in one error, in both modes", () => {
    for (const r of [local.reportTwice!, remote.reportTwice!]) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`sweeps[1]: 'modes-01' is sweep ${sweepId}, named already as sweeps[0]`);
      expect(r.stderr).toContain("sweeps[2]: no sweep with id no-such-sweep");
    }
  });

  it("names a bad flag in the CLI's words and exits 2 in both modes", () => {
    for (const r of [local.badBaseline!, remote.badBaseline!]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        "tailsweep: --baseline: 'model.nu=7' matches no configuration; use one of: model.nu=10 | model.nu=5",
      );
    }
  });

  it("tags and notes a sweep and a trial, lists by tag and text, and refuses a bad tag, the same in both modes", () => {
    for (const name of ["tag", "note", "trialTag", "trialNote", "tagged"]) {
      expect([name, local[name]!.code, remote[name]!.code]).toEqual([name, 0, 0]);
      expect(JSON.parse(remote[name]!.stdout)).toEqual(JSON.parse(local[name]!.stdout));
    }
    expect(JSON.parse(local.tag!.stdout)).toEqual({
      id: sweepId,
      tags: ["paper:fig3", "ν-grid"],
    });
    expect(JSON.parse(local.note!.stdout)).toEqual({
      id: sweepId,
      notes: "ν = 10 leads on every seed.\n\nRerun with 5 seeds.",
    });
    expect(JSON.parse(local.trialTag!.stdout)).toEqual({ id: trialId, tags: ["diverged"] });
    expect(JSON.parse(local.trialNote!.stdout)).toEqual({ id: trialId, notes: "loss NaN at epoch 3" });
    for (const r of [local, remote]) {
      expect(r.tags!.stdout).toBe(`sweep ${sweepId}: paper:fig3 ν-grid\n`);
      expect(r.notes!.stdout).toBe("ν = 10 leads on every seed.\n\nRerun with 5 seeds.\n");
      expect(JSON.parse(r.tagged!.stdout)).toEqual([
        expect.objectContaining({ id: sweepId, tags: ["paper:fig3", "ν-grid"] }),
      ]);
      expect(r.notTagged!.stdout).toBe("no sweep matches\n");
      expect(r.searched!.stdout).toMatch(new RegExp(`^${sweepId} .* #paper:fig3 #ν-grid\n$`));
      // every bad tag named by its flag, before anything is opened
      expect([r.badTag!.code, r.badTag!.stderr]).toEqual([
        2,
        "tailsweep: --add: \"<b>\" is not a tag (each must be 1–64 letters, digits or - _ . : /), got 'ok,<b>'\n" +
          'tailsweep: --remove: "semi;colon" is not a tag (each must be 1–64 letters, digits or - _ . : /)\n' +
          "(add --help for usage)\n",
      ]);
    }
  });

  it("exits 3 for an unknown sweep in both modes, saying where to find the right one", () => {
    for (const name of ["unknownStatus", "unknownExport", "unknownCancel"]) {
      for (const r of [local[name]!, remote[name]!]) {
        expect([name, r.code]).toEqual([name, 3]);
        expect(r.stderr).toContain("no sweep with id no-such-sweep (tailsweep sweep list shows them)");
      }
      // The remote run did go to the server: its refusal says whose it is.
      expect(remote[name]!.stderr).toContain(`tailsweep: ${url}: `);
    }
  });
});
