// `tailsweep sweep export -o x.json.gz` and `tailsweep sweep import x.json.gz` (issue #22): a finished sweep moved
// from one embedded store to another through the real CLI reads back the same, to the byte of its export and the
// numbers of its comparison; a second import and a spoilt file are refused with every problem named, storing nothing.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { openRunStore } from "@tailsweep/db";
import { parseSweepFile } from "@tailsweep/schemas";
import { expandSweep } from "@tailsweep/sweep";
import { scriptedResult } from "@tailsweep/sweep/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./testing/cli-process";

const dir = mkdtempSync(join(tmpdir(), "tailsweep-import-"));
const sweepId = "0123456789abcdef0123456789abcdef";

/** The CLI on store `db` (a folder of this test's own). */
const tailsweep = (db: string, args: string[]) =>
  runCli(args, { TAILSWEEP_DB_DIR: join(dir, db), XDG_CONFIG_HOME: dir });

describe("sweep export and sweep import between two stores", { timeout: 300_000 }, () => {
  const archive = join(dir, "study.json.gz");

  beforeAll(async () => {
    const opened = await openRunStore({ pgliteDir: join(dir, "a"), databaseUrl: "" });
    try {
      const spec = parseSweepFile({ name: "moved", project: "p", search: { nu: [5, 10] }, seeds: [1, 2, 3] });
      const t0 = new Date("2026-01-01T00:00:00Z");
      const { store } = opened;
      await store.createSweep({
        id: sweepId,
        spec,
        trials: expandSweep(spec),
        now: t0,
        provenance: { gitCommit: "abc" },
      });
      for (const trial of await store.listTrials(sweepId)) {
        await store.claimTrial(trial.id, "w", t0, "cpu");
        if (trial.seed === 3 && trial.params["model.nu"] === 5)
          await store.failTrial(trial.id, 1, "diverged", false, t0);
        else
          await store.completeTrial(
            trial.id,
            1,
            scriptedResult(0.6 + 0.01 * trial.seed + (trial.params["model.nu"] === 10 ? 0.1 : 0)),
            t0,
          );
      }
      await store.setSweepAnnotations(sweepId, { tags: ["study"], notes: "first edition" });
    } finally {
      await opened.close();
    }
  });

  it("moves a finished sweep: its export, comparison and status read the same from the other store", async () => {
    const exported = await tailsweep("a", ["sweep", "export", sweepId, "-o", archive]);
    expect(exported).toMatchObject({ code: 0 });
    expect(exported.stderr).toMatch(/exported 6 trials of sweep .* \(json, gzip\)/);
    const imported = await tailsweep("b", ["sweep", "import", archive]);
    expect(imported.stderr).not.toContain("tailsweep:");
    expect(imported).toMatchObject({ code: 0 });
    expect(imported.stdout).toBe(`imported sweep ${sweepId} (p/moved): 6 trials with their results\n`);
    const original = gunzipSync(readFileSync(archive)).toString("utf8");
    expect((await tailsweep("b", ["sweep", "export", sweepId, "--json"])).stdout).toBe(original);
    for (const args of [
      ["compare", sweepId, "--json"],
      ["sweep", "status", sweepId, "--json"],
    ]) {
      const [a, b] = await Promise.all([tailsweep("a", args), tailsweep("b", args)]);
      expect(a.code).toBe(0);
      expect(JSON.parse(b.stdout)).toEqual(JSON.parse(a.stdout));
    }
    // the status says why a trial failed and what to do about it, as the export would
    const status = await tailsweep("b", ["sweep", "status", sweepId]);
    expect(status.stdout).toContain(
      `completed: 5 succeeded, 1 failed\n  1 trial failed: diverged (model.nu=5 seed 3)\n  tailsweep sweep retry ${sweepId} queues them again as new attempts\n`,
    );
  });

  it("refuses a second import of the same sweep, and a spoilt file naming every bad field, storing nothing", async () => {
    const again = await tailsweep("b", ["sweep", "import", archive]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain(`sweep ${sweepId} is stored already; delete it first`);

    const json = JSON.parse(gunzipSync(readFileSync(archive)).toString("utf8"));
    json.trials[0].state = "running";
    json.sweep.trialCount = 99;
    json.revisions[0].revision = 5;
    const spoilt = join(dir, "spoilt.json");
    writeFileSync(spoilt, JSON.stringify(json));
    const refused = await tailsweep("c", ["sweep", "import", spoilt]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(
      /archive\.trials\[0\]\.state: is running: only a finished sweep is imported/,
    );
    expect(refused.stderr).toMatch(/archive\.trials\[0\]\.result: only a succeeded trial has a result/);
    expect(refused.stderr).toMatch(/archive\.sweep\.trialCount: is 99, but the file lists 6 trials/);
    expect(refused.stderr).toMatch(/archive\.revisions\[0\]\.revision: must be 1/);
    expect((await tailsweep("c", ["sweep", "list", "--json"])).stdout.trim()).toBe("[]");

    const notJson = join(dir, "notes.txt");
    writeFileSync(notJson, "not an export");
    const unreadable = await tailsweep("c", ["sweep", "import", notJson]);
    expect(unreadable.code).not.toBe(0);
    expect(unreadable.stderr).toMatch(/file: .*notes\.txt is not JSON/);
  });
});
