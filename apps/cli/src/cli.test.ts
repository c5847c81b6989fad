import { execFile, spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { hostname, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { InProcessBus } from "@tailsweep/bus";
import { Controller } from "@tailsweep/controller";
import { openRunStore } from "@tailsweep/db";
import { lockStore } from "@tailsweep/db/store-lock";
import { gammaConstants, type SweepSpec } from "@tailsweep/schemas";
import { compareConfigurations } from "@tailsweep/stats";
import { configLabel, sweepIdFor } from "@tailsweep/sweep";
import { describe, expect, it } from "vitest";
import { readSweepFile } from "./commands/sweep-file";

const run = promisify(execFile);
const bin = join(__dirname, "..", "bin", "tailsweep.mjs");

/** Runs the real CLI in a child process; never throws, returns the exit code and both streams. */
async function tailsweep(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      env: { ...process.env, TAILSWEEP_BACKEND: "cpu" },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe("tailsweep model constants", () => {
  it("prints the γ-loss constants as JSON numbers", async () => {
    const r = await tailsweep("model", "constants", "--nu", "10", "--n", "784", "--m", "64", "--json");
    expect(r.code).toBe(0);
    const c = JSON.parse(r.stdout);
    expect(Object.keys(c)).toEqual([
      "gamma",
      "logC",
      "logB",
      "C1",
      "tau0",
      "tauSqAlt",
      "detExp",
      "minimumVariance",
      "refused",
      "note",
    ]);
    expect(c.C1).toBeCloseTo(4.5736, 4);
    expect(c.tau0).toBeCloseTo(4.754848, 5);
    // the tied γ: the posterior variance at (R1)'s minimum (eq. M1) well inside the prior's 1, nothing refused or noted
    expect(c.minimumVariance).toBeGreaterThan(0);
    expect(c.minimumVariance).toBeLessThan(1);
    expect([c.refused, c.note]).toEqual([null, null]);
  });

  it("says beside the numbers what a launch would say of the explicit γ: a refusal, a note, or nothing", async () => {
    const args = ["model", "constants", "--nu", "5", "--n", "1568", "--m", "16", "--json", "--gamma"];
    const refused = await tailsweep(...args, "-0.1");
    expect(refused.code).toBe(0);
    expect(JSON.parse(refused.stdout)).toMatchObject({
      C1: expect.any(Number),
      minimumVariance: null,
      refused: expect.stringMatching(/^-0\.1 cannot train at ν = 5, n = 1568/),
      note: null,
    });
    expect(JSON.parse(refused.stdout).C1).toBeGreaterThan(3.4e38);
    // in words, the variance it has none of
    const words = await tailsweep(...args.filter((a) => a !== "--json"), "-0.1");
    expect(words.stdout).toMatch(/^minimumVariance +none \(a launch refuses this γ\)$/m);
    expect(words.stdout).toMatch(/^gamma +-0\.1$/m);
    expect(refused.stderr).toMatch(
      /^note: a launch refuses this γ: -0\.1 cannot train at ν = 5, n = 1568, latentDim 16, σ = 1: ν·C1 = .* an explicit γ must lie in \[-0\.02775, 0\) here, or use tied\n$/,
    );
    // it trains, but (R1)'s minimum lies far wider than the prior (eq. M1): a launch notes it
    const wide = await tailsweep(...args, "-0.02");
    expect(wide.code).toBe(0);
    expect(wide.stderr).toMatch(
      /^note: a launch says of this γ: γ = -0\.02 puts the regulariser's minimum \(M1\) at a posterior variance of 1\.6e\+23 at ν = 5, n = 1568, latentDim 16 \(the tied γ puts it at 0\.059\)/,
    );
    // the same in its JSON, for a script that reads no stderr
    expect(JSON.parse(wide.stdout)).toMatchObject({
      minimumVariance: expect.closeTo(1.6e23, -22),
      refused: null,
      note: expect.stringMatching(/^γ = -0\.02 puts the regulariser's minimum/),
    });
    expect((await tailsweep(...args, "-0.001")).stderr).toBe("");
    // tied, as a sweep file writes it: the tied value's numbers, nothing to say
    const tied = await tailsweep(...args, "tied");
    expect([tied.code, tied.stderr]).toEqual([0, ""]);
    expect(JSON.parse(tied.stdout).gamma).toBeCloseTo(-2 / (5 + 1568 + 16), 12);
  });

  it("exits non-zero with the field's name on bad input", async () => {
    // every bad value at once, as bad input (exit 2)
    const r = await tailsweep("model", "constants", "--nu", "1.5", "--n", "0", "--m", "-3");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /nu: must be > 2 .*, got 1\.5\n.*n: must be an integer ≥ 1, got 0\n.*m: must be an integer ≥ 1, got -3\n/,
    );
    const nan = await tailsweep("model", "constants", "--nu", "ten", "--n", "10", "--m", "2");
    expect(nan.code).not.toBe(0);
    expect(nan.stderr).toMatch(/^tailsweep: --nu: expects a number, got 'ten'\n/);
    const word = await tailsweep(
      "model",
      "constants",
      "--nu",
      "5",
      "--n",
      "10",
      "--m",
      "2",
      "--gamma",
      "tide",
    );
    expect(word.stderr).toMatch(/^tailsweep: --gamma: expects a number or tied, got 'tide'\n/);
  });
});

describe("tailsweep model loss", () => {
  const dir = mkdtempSync(join(tmpdir(), "tailsweep-loss-"));

  it("prints reg, recon and total at the code's scale", async () => {
    const input = {
      nu: 5,
      n: 3,
      m: 2,
      sigma: 0.5,
      regWeight: 2,
      mu: [
        [0.1, -0.2],
        [0.3, 0],
      ],
      logvar: [
        [0, 0.5],
        [-1, 0.2],
      ],
      x: [
        [0, 1, 0.5],
        [1, 1, 0],
      ],
      xRecon: [
        [0.1, 0.9, 0.5],
        [0.5, 1, 0.2],
      ],
    };
    const file = join(dir, "batch.json");
    writeFileSync(file, JSON.stringify(input));
    const r = await tailsweep("model", "loss", "--input", file, "--json");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    // The same quantities by hand, in float64 (docs/model.md eqs. R1, R3, L0).
    const c = gammaConstants({ nu: 5, n: 3, m: 2, sigma: 0.5 });
    const reg = input.mu.map((mu, i) => {
      const l = input.logvar[i]!;
      const sumExp = l.reduce((s, v) => s + Math.exp(v), 0);
      const sumL = l.reduce((s, v) => s + v, 0);
      return (
        mu.reduce((s, v) => s + v * v, 0) +
        c.traceCoef * sumExp -
        c.nu * c.C1 * Math.exp(c.detExp * sumL) +
        c.nu * c.tau0
      );
    });
    const expectedReg = (2 * (reg[0]! + reg[1]!)) / 2;
    const sq = input.x
      .flatMap((row, i) => row.map((v, j) => (input.xRecon[i]![j]! - v) ** 2))
      .reduce((a, b) => a + b, 0);
    const expectedRecon = sq / (2 * 0.25);
    expect(out.reg).toBeCloseTo(expectedReg, 4);
    expect(out.recon).toBeCloseTo(expectedRecon, 5);
    expect(out.total).toBeCloseTo(expectedReg + expectedRecon, 4);
  });

  it("names the field whose shape is wrong", async () => {
    const file = join(dir, "bad.json");
    writeFileSync(
      file,
      JSON.stringify({ nu: 5, n: 3, m: 2, mu: [[0, 0]], logvar: [[0]], x: [[0, 0, 0]], xRecon: [[0, 0, 0]] }),
    );
    const r = await tailsweep("model", "loss", "--input", file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--input: .*bad\.json: logvar\[0\]: expected 2 columns \(m\), got 1/);
    // a file that is not there, or not JSON: the flag's bad input, not Node's raw error (exit 1)
    const missing = await tailsweep("model", "loss", "--input", join(dir, "none.json"));
    expect([missing.code, missing.stderr]).toEqual([
      2,
      `tailsweep: --input: cannot read ${join(dir, "none.json")} (ENOENT)\n`,
    ]);
    writeFileSync(join(dir, "text.json"), "nu: 5");
    const text = await tailsweep("model", "loss", "--input", join(dir, "text.json"));
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(/^tailsweep: --input: .*text\.json is not valid JSON: /);
  });
});

describe("tailsweep backends", () => {
  it("checks a backend's training step against cpu, and names a bad backend", async () => {
    const r = await tailsweep("backends", "--check", "--backend", "wasm", "--json");
    expect(r.code).toBe(0);
    const [row] = JSON.parse(r.stdout) as {
      backend: string;
      available: boolean;
      detail: string;
      agreement: { lossError: number; gradientError: number; agrees: boolean };
    }[];
    expect(row).toMatchObject({ backend: "wasm", available: true, agreement: { agrees: true } });
    // The whole configuration, down to where Adam runs (a run's log line says it in a few words).
    expect(row!.detail).toMatch(/wasm SIMD.*transposed matMuls.*Adam/);
    expect(row!.agreement.gradientError).toBeLessThan(1e-4);
    const bad = await tailsweep("backends", "--backend", "cuda");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--backend: one of webgpu, tensorflow, wasm-blas, wasm, cpu \(got "cuda"\)/);
  });
});

describe("tailsweep sweep", () => {
  it("refuses a bad sweep file with the entry's place and stores nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tailsweep-sweep-"));
    const file = join(dir, "bad.yaml");
    writeFileSync(file, "name: bad\nsearch:\n  nu: [5, 10, 1.5]\n  lr: [0.1]\nseeds: 2\n");
    const dbDir = join(dir, "db");
    const r = await run(process.execPath, [bin, "sweep", "run", file], {
      env: { ...process.env, TAILSWEEP_DB_DIR: dbDir },
    }).catch((e: { code: number; stderr: string }) => e);
    expect((r as { code: number }).code).toBe(2); // invalid input
    expect((r as { stderr: string }).stderr).toMatch(/search\.nu\[2\]: must be > 2, got 1\.5\n/);
    expect((r as { stderr: string }).stderr).toMatch(/search\.lr: unknown knob/);
    expect(existsSync(dbDir)).toBe(false);
  });

  it("refuses, dry run or not, a headCount some seed's class order cannot draw, and stores nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tailsweep-sweep-"));
    const file = join(dir, "short.yaml");
    writeFileSync(file, "name: short\ndataset: { headCount: 5500, classOrder: random }\nseeds: 12\n");
    const dbDir = join(dir, "db");
    for (const dryRun of [["--dry-run"], []]) {
      const r = await run(process.execPath, [bin, "sweep", "run", file, ...dryRun], {
        env: { ...process.env, TAILSWEEP_DB_DIR: dbDir },
      }).catch((e: { code: number; stderr: string }) => e);
      expect([(r as { code: number }).code, (r as { stderr: string }).stderr]).toEqual([
        2,
        expect.stringContaining(
          "  - dataset.headCount: 5500 on mnist-2view is more than its data allows at seed 12 (1 of the 12 seeds it may run): " +
            'class 5 ("5") would need 5500 training rows',
        ),
      ]);
    }
    expect(existsSync(dbDir)).toBe(false);
    // A run store that cannot be reached to ask whether the sweep is stored leaves the refusal as it is.
    const unreachable = await run(process.execPath, [bin, "sweep", "run", file, "--dry-run"], {
      env: { ...process.env, DATABASE_URL: "postgresql://tailsweep@127.0.0.1:1/none" },
    }).catch((e: { code: number; stderr: string }) => e);
    expect([(unreachable as { code: number }).code, (unreachable as { stderr: string }).stderr]).toEqual([
      2,
      expect.stringContaining("  - dataset.headCount: 5500 on mnist-2view is more than its data allows"),
    ]);
  });

  /**
   * A tiny sweep file in a fresh folder, with `dataset` and the rest as given (`extra`: its search and seeds), and the
   * embedded store beside it: what the two tests of sweeps stored by an older release start from.
   */
  function oldReleaseCase(name: string, dataset: string, extra: string[]) {
    const dir = mkdtempSync(join(tmpdir(), "tailsweep-sweep-"));
    const file = join(dir, `${name}.yaml`);
    writeFileSync(
      file,
      [
        `name: ${name}`,
        `dataset: ${dataset}`,
        "model: { encoderWidths: [16], decoderWidths: [16], classifierWidths: [16], latentDim: 4 }",
        "train: { epochs: 1, labeledBatchSize: 32, unlabeledBatchSize: 32 }",
        ...extra,
        "execution: { maxAttempts: 1 }",
        "",
      ].join("\n"),
    );
    const dbDir = join(dir, "db");
    return { file, dbDir, env: { ...process.env, TAILSWEEP_DB_DIR: dbDir, DATABASE_URL: "", NATS_URL: "" } };
  }

  /** Stores `spec` under `id` as a release without today's checks would have, its trials waiting. */
  async function storeAsOldRelease(dbDir: string, spec: SweepSpec, id: string): Promise<void> {
    const opened = await openRunStore({ pgliteDir: dbDir, databaseUrl: "" });
    const bus = new InProcessBus();
    await new Controller(opened.store, bus).submit(spec, id);
    await bus.close();
    await opened.close();
  }

  it("goes on with a sweep its file stored before launches refused its split, saying which trials fail", async () => {
    // headCount 6000 needs more rows of class 0 (natural order) than MNIST has: refused as a new sweep
    const { file, dbDir, env } = oldReleaseCase(
      "old-short",
      "{ headCount: 100, imbalanceRatio: 10, testPerClass: 20 }",
      ["search: { dataset.headCount: [100, 6000] }", "seeds: 1"],
    );
    const refused = await run(process.execPath, [bin, "sweep", "run", file, "--dry-run"], { env }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((refused as { code: number }).code).toBe(2);
    // Stored as a release before the check would have: by the file's own id, its trials waiting.
    const spec = readSweepFile(file);
    const id = sweepIdFor(spec);
    await storeAsOldRelease(dbDir, spec, id);
    const note = `note: sweep ${id} was stored before launches checked this; its trials with these splits fail at load:\n  - search.dataset.headCount[1]: 6000`;
    const dry = await run(process.execPath, [bin, "sweep", "run", file, "--dry-run"], { env });
    expect(dry.stderr).toContain(note);
    expect(dry.stdout).toContain(`stored already as sweep ${id} (running, 2 trials)`);
    const ran = await run(process.execPath, [bin, "sweep", "run", file, "--json"], { env }).catch(
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect((ran as { code: number }).code).toBe(1); // a trial failed
    expect((ran as { stderr: string }).stderr).toContain(note);
    const { trials } = JSON.parse((ran as { stdout: string }).stdout) as {
      trials: { state: string; error: string; "dataset.headCount": number }[];
    };
    expect(trials.map((t) => [t["dataset.headCount"], t.state, t.error.slice(0, 40)]).sort()).toEqual([
      [100, "succeeded", ""],
      [6000, "failed", 'class 0 ("0") needs 6000 training rows ('],
    ]);
  }, 120_000);

  it("says which trials of a sweep stored before dataset versions fail at load, where the file's own rows do not", async () => {
    // At seed 1 a random class order puts class 1 (6,742 images) at the head with today's generator (version 2), and
    // class 9 (5,949) with version 1's: headCount 6000 draws from the file, not from the sweep stored before versions.
    const { file, dbDir, env } = oldReleaseCase(
      "legacy-short",
      "{ headCount: 6000, imbalanceRatio: 10, testPerClass: 20, classOrder: random }",
      ["seeds: [1]"],
    );
    const fresh = await run(process.execPath, [bin, "sweep", "run", file, "--dry-run"], { env });
    expect(fresh.stderr).not.toContain("note:");
    // Stored as a release before dataset versions would have: under the file's id from then, read back as version 1.
    const spec = readSweepFile(file);
    const { version: _, ...unversioned } = spec.dataset;
    const legacyId = sweepIdFor({ ...spec, dataset: unversioned });
    await storeAsOldRelease(dbDir, { ...spec, dataset: { ...spec.dataset, version: 1 } }, legacyId);
    const note = `note: sweep ${legacyId} was stored before launches checked this; its trials with these splits fail at load:\n  - dataset.headCount: 6000 on mnist-2view is more than its data allows at seed 1, the only one of the seeds it may run: class 9 ("9") would need 6000 training rows (600 labeled + 5400 unlabeled) and mnist-2view has 5949`;
    const dry = await run(process.execPath, [bin, "sweep", "run", file, "--dry-run"], { env });
    expect(dry.stderr).toContain(note);
    expect(dry.stdout).toContain(`stored already as sweep ${legacyId} (running, 1 trial)`);
    const ran = await run(process.execPath, [bin, "sweep", "run", file, "--json"], { env }).catch(
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect((ran as { code: number }).code).toBe(1); // its trial failed, as the note said
    expect((ran as { stderr: string }).stderr).toContain(note);
    const { trials } = JSON.parse((ran as { stdout: string }).stdout) as {
      trials: { state: string; error: string }[];
    };
    expect(trials.map((t) => [t.state, t.error.slice(0, 40)])).toEqual([
      ["failed", 'class 9 ("9") needs 6000 training rows ('],
    ]);
  }, 120_000);

  it("refuses a TPE search whose later proposals may ask for more rows than a class has, saying which values", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tailsweep-sweep-"));
    const file = join(dir, "tpe.yaml");
    // At β = 0.05 with uniform unlabeled rows, class 5 (rank 5, 5,421 images) needs 78 + 5,367 rows; at β = 0.5 or
    // with unlabeledImbalance same it needs far fewer, so a starting draw is almost never short.
    writeFileSync(
      file,
      [
        "name: tpe-short",
        "method: tpe",
        "dataset: { headCount: 5650, imbalanceRatio: 10 }",
        "search: { beta: { distribution: uniform, low: 0.05, high: 0.5 }, dataset.unlabeledImbalance: [same, uniform] }",
        "budget: 8",
        "seeds: 2",
        "",
      ].join("\n"),
    );
    const dbDir = join(dir, "db");
    const r = await run(process.execPath, [bin, "sweep", "run", file, "--dry-run"], {
      env: { ...process.env, TAILSWEEP_DB_DIR: dbDir },
    }).catch((e: { code: number; stderr: string }) => e);
    expect([(r as { code: number }).code, (r as { stderr: string }).stderr]).toEqual([
      2,
      expect.stringContaining(
        "  - dataset.headCount: 5650 on mnist-2view with dataset.labelRatio=0.05 dataset.unlabeledImbalance=uniform " +
          '(values its TPE search may propose) is more than its data allows: class 5 ("5") would need 5445 training ' +
          "rows (78 labeled + 5367 unlabeled) and mnist-2view has 5421; lower headCount, raise labelRatio or pick " +
          "another classOrder\n",
      ),
    ]);
    expect(existsSync(dbDir)).toBe(false);
  });

  it("refuses to run GPU trials here on a CPU backend, where they would wait for ever", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tailsweep-sweep-"));
    const file = join(dir, "gpu.yaml");
    writeFileSync(
      file,
      "name: gpu\nsearch: { variant: [proposed, gaussian] }\nexecution: { gpu: { variant: [proposed] } }\nseeds: 2\n",
    );
    const dbDir = join(dir, "db");
    const r = await run(process.execPath, [bin, "sweep", "run", file, "--backend", "cpu"], {
      env: { ...process.env, TAILSWEEP_DB_DIR: dbDir, DATABASE_URL: "", NATS_URL: "" },
    }).catch((e: { code: number; stderr: string }) => e);
    expect((r as { code: number }).code).toBe(2); // the sweep file asks for what this run cannot give: invalid input
    expect((r as { stderr: string }).stderr).toMatch(
      /execution\.gpu: 2 trials need a GPU worker, and this run trains on cpu; run it with --backend webgpu/,
    );
    expect(existsSync(dbDir)).toBe(false);
  });

  it("waits a moment for a command that has the embedded store open briefly, rather than give up at once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tailsweep-brief-"));
    const dbDir = join(dir, "db");
    // the store made, then held by this process (no socket: as a `sweep list` holds it) until the command waits
    await (await openRunStore({ pgliteDir: dbDir })).close();
    const held = await lockStore(dbDir);
    const child = spawn(process.execPath, [bin, "sweep", "list"], {
      env: { ...process.env, TAILSWEEP_DB_DIR: dbDir, DATABASE_URL: "", NATS_URL: "" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    const waiting = new Promise<void>((resolve) =>
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes("waiting up to")) resolve();
      }),
    );
    const code = new Promise<number | null>((resolve) => child.once("exit", resolve));
    await Promise.race([waiting, code]);
    await held.release();
    expect(await code).toBe(0);
    expect(stderr).toMatch(
      new RegExp(
        `the embedded store ${dbDir} is in use: process ${process.pid} .*; waiting up to 10 s for it`,
      ),
    );
    expect(stdout).toContain("no sweeps yet");
  });

  it("refuses sweep submit where nothing would run it (no NATS_URL, login or ui holding the store), storing nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tailsweep-submit-"));
    const file = join(dir, "s.yaml");
    writeFileSync(file, "name: s\nsearch: { variant: [proposed] }\nseeds: 1\n");
    const dbDir = join(dir, "db");
    const env = {
      ...process.env,
      TAILSWEEP_DB_DIR: dbDir,
      DATABASE_URL: "",
      NATS_URL: "",
      XDG_CONFIG_HOME: dir,
      TAILSWEEP_TOKEN: "",
      TAILSWEEP_URL: "",
    };
    for (const args of [[], ["--dry-run"]]) {
      const r = await run(process.execPath, [bin, "sweep", "submit", file, ...args], { env }).catch(
        (e: { code: number; stderr: string }) => e,
      );
      expect((r as { code: number }).code, args.join(" ")).toBe(2);
      expect((r as { stderr: string }).stderr).toMatch(
        /NATS_URL: sweep submit needs it \(workers elsewhere\) when not logged in to a dashboard and no tailsweep ui holds the embedded store/,
      );
    }
    expect(existsSync(dbDir)).toBe(false);
  });

  it("names what --trials allows, and refuses GPU trials on a CPU backend", async () => {
    const bad = await tailsweep("worker", "--trials", "gpu,tpu");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(
      /--trials: a comma-separated list of gpu and cpu, each at most once \(got "gpu,tpu"\)/,
    );
    const r = await run(
      process.execPath,
      [bin, "worker", "--trials", "gpu", "--backend", "cpu", "--concurrency", "1"],
      {
        env: { ...process.env, NATS_URL: process.env.NATS_URL ?? "127.0.0.1:4222" },
      },
    ).catch((e: { code: number; stderr: string }) => e);
    expect((r as { code: number }).code).toBe(2); // --trials and --backend do not go together
    expect((r as { stderr: string }).stderr).toMatch(
      /^tailsweep: --trials: gpu needs the webgpu backend, and --backend is cpu; use --backend webgpu, or --trials cpu\n/,
    );
    // without NATS_URL too: both said at once, the flags' problem decided from the flags alone
    const both = await run(process.execPath, [bin, "worker", "--trials", "gpu", "--backend", "cpu"], {
      env: { ...process.env, NATS_URL: "" },
    }).catch((e: { code: number; stderr: string }) => e);
    expect((both as { code: number }).code).toBe(2);
    expect((both as { stderr: string }).stderr).toMatch(
      /^tailsweep: invalid command line and environment:\n {2}- --trials: gpu needs the webgpu backend, and --backend is cpu; use --backend webgpu, or --trials cpu\n {2}- NATS_URL: tailsweep worker needs it/,
    );
  });

  it("exits once it has said a NATS_URL that is not NATS does not answer, though the NATS client keeps its socket", async () => {
    // A port that takes the connection and never greets: the NATS client gives up after its 20 s connect timeout
    // but leaves the socket open, which kept the process up until the peer closed it (never, here).
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as AddressInfo).port;
    try {
      const worker = spawn(process.execPath, [bin, "worker", "--backend", "cpu", "--concurrency", "1"], {
        env: { ...process.env, NATS_URL: `nats://127.0.0.1:${port}` },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      let saidAt = 0;
      worker.stderr.on("data", (d: Buffer) => {
        stderr += d;
        if (!saidAt && stderr.includes("is not answering")) saidAt = Date.now();
      });
      const code = await new Promise<number | null>((r) => worker.once("close", r));
      expect(stderr).toMatch(
        new RegExp(
          `tailsweep: NATS at nats://127\\.0\\.0\\.1:${port} is not answering \\(no answer in time\\)`,
        ),
      );
      expect(code).toBe(7);
      expect(Date.now() - saidAt).toBeLessThan(5_000);
    } finally {
      silent.close();
    }
  }, 60_000);
});

describe("tailsweep sweep run, list, status, export, workers, cancel (embedded)", () => {
  const dir = mkdtempSync(join(tmpdir(), "tailsweep-cli-sweep-"));
  // Embedded whatever the environment says: PGlite in a fresh directory, the in-process bus.
  const env = { TAILSWEEP_DB_DIR: join(dir, "db"), TAILSWEEP_BACKEND: "cpu", DATABASE_URL: "", NATS_URL: "" };
  const cli = async (...args: string[]) => {
    const r = await run(process.execPath, [bin, ...args], { env: { ...process.env, ...env } }).catch(
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    return { code: (r as { code?: number }).code ?? 0, stdout: r.stdout, stderr: r.stderr };
  };

  // some 40 CLI starts: 230 s on a 2-core machine busy with other work, past 300 s once in CI beside it
  it("runs a sweep, then lists, exports and reports it with --json", { timeout: 480_000 }, async () => {
    const file = join(dir, "tiny.yaml");
    writeFileSync(
      file,
      [
        "name: tiny",
        "project: cli",
        "dataset: { name: mnist-2view, headCount: 60, testPerClass: 10, imbalanceRatio: 10, labelRatio: 0.2 }",
        "model: { encoderWidths: [8], decoderWidths: [8], classifierWidths: [8], latentDim: 2 }",
        "train: { epochs: 1, maxStepsPerEpoch: 2, labeledBatchSize: 8, unlabeledBatchSize: 8 }",
        "search: { nu: [5, 10] }",
        "seeds: 2",
      ].join("\n"),
    );
    // a dry run checks the file, says what it would run, and stores nothing
    const checked = await cli("sweep", "run", file, "--dry-run");
    expect([checked.code, checked.stdout]).toEqual([
      0,
      [
        `${file}: valid, sweep tiny in project cli`,
        "  4 trials (grid: 2 configurations × 2 seeds).",
        "  not stored yet: tailsweep sweep run runs it",
        "nothing was stored or run (--dry-run)",
        "",
      ].join("\n"),
    ]);
    expect(JSON.parse((await cli("sweep", "list", "--json")).stdout)).toEqual([]);

    const ran = await cli("sweep", "run", file, "--json");
    expect(ran.code).toBe(0);
    const { sweep, trials, failures } = JSON.parse(ran.stdout);
    expect(failures).toEqual([]);
    // a trial's tags are a list in JSON, as the sweep's are (the CSV's cell joins them)
    expect(trials.map((t: { tags: unknown }) => t.tags)).toEqual([[], [], [], []]);
    // the new sweep's count is said once, as its trials are queued
    expect(ran.stderr.match(/\b4 trials\b/g)).toEqual(["4 trials"]);
    expect(ran.stderr).toContain(`sweep ${sweep.id} (cli/tiny): 4 trials queued`);
    expect(sweep.status).toBe("completed");
    expect(JSON.parse((await cli("sweep", "run", file, "--dry-run", "--json")).stdout)).toMatchObject({
      valid: true,
      trialCount: 4,
      atMost: 4,
      existing: { id: sweep.id, status: "completed", trialCount: 4 },
    });
    // a store another process holds is not waited for: whether it has the sweep is said to be unknown
    const holder = spawn("sleep", ["60"]);
    try {
      const lock = {
        pid: holder.pid,
        host: hostname(),
        command: "tailsweep.mjs ui",
        since: "",
        token: "theirs",
      };
      writeFileSync(join(env.TAILSWEEP_DB_DIR, "tailsweep.lock"), JSON.stringify(lock));
      const held = await cli("sweep", "run", file, "--dry-run");
      expect([held.code, held.stdout.split("\n")[2]]).toEqual([
        0,
        `  whether it is stored already is not known: the embedded store ${env.TAILSWEEP_DB_DIR} is in use by process ${holder.pid} (tailsweep.mjs ui)`,
      ]);
    } finally {
      holder.kill();
      rmSync(join(env.TAILSWEEP_DB_DIR, "tailsweep.lock"));
    }

    const list = JSON.parse((await cli("sweep", "list", "--json")).stdout);
    expect(list).toEqual([
      expect.objectContaining({ id: sweep.id, project: "cli", trials: 4, succeeded: 4 }),
    ]);
    expect(JSON.parse((await cli("sweep", "list", "--project", "other", "--json")).stdout)).toEqual([]);

    const status = JSON.parse((await cli("sweep", "status", "--json")).stdout);
    expect(status).toMatchObject({ id: sweep.id, counts: { succeeded: 4 } });
    expect(status.ranking).toHaveLength(2);
    // Cancelling a finished sweep cancels nothing, and says so (its status stays).
    const cancel = await cli("sweep", "cancel", sweep.id);
    expect([cancel.code, cancel.stdout]).toEqual([0, `sweep ${sweep.id} is completed: nothing to cancel\n`]);
    expect(JSON.parse((await cli("sweep", "cancel", sweep.id, "--json")).stdout)).toEqual({
      id: sweep.id,
      status: "completed",
      stopped: 0,
      cancelled: false,
    });
    expect((await cli("sweep", "status")).stdout).toMatch(
      new RegExp(`^sweep ${sweep.id} \\(cli/[^)]+\\) completed: 4 succeeded\n`),
    );

    // CSV to stdout: one row per trial, headline metrics and one recall column per class.
    const csv = (await cli("sweep", "export", sweep.id)).stdout.trim().split("\n");
    expect(csv).toHaveLength(5);
    const header = csv[0]!.split(",");
    expect(header).toEqual(
      expect.arrayContaining(["trial", "model.nu", "seed", "state", "balancedAccuracy"]),
    );
    expect(header).toEqual(expect.arrayContaining(["recall_0", "recall_9"]));
    // JSON to a file, the format taken from the extension: every trial with its full result.
    const out = join(dir, "runs.json");
    expect((await cli("sweep", "export", sweep.id, "-o", out)).code).toBe(0);
    const exported = JSON.parse(readFileSync(out, "utf8"));
    expect(exported.sweep.id).toBe(sweep.id);
    expect(exported.trials).toHaveLength(4);
    expect(exported.trials[0].result.metrics.test.confusion).toHaveLength(10);

    // compare: the same numbers as packages/stats on the exported results, paired over seeds 1 and 2
    const compared = JSON.parse((await cli("compare", "--baseline", "model.nu=5", "--json")).stdout);
    const observations = exported.trials.map(
      (t: {
        params: Record<string, unknown>;
        seed: number;
        result: { metrics: { test: { balancedAccuracy: number } } };
      }) => ({
        config: configLabel(t.params),
        seed: t.seed,
        value: t.result.metrics.test.balancedAccuracy,
      }),
    );
    const expected = compareConfigurations(observations, { baseline: "model.nu=5", direction: "maximize" });
    expect(compared.baseline).toBe("model.nu=5");
    expect(
      compared.rows.map(
        ({ configKey: _k, posthocRevisions: _p, trials: _t, ...row }: Record<string, unknown>) => row,
      ),
    ).toEqual(JSON.parse(JSON.stringify(expected.rows)));
    expect(compared.rows.map((r: { posthocRevisions: number[] }) => r.posthocRevisions)).toEqual([[], []]);
    expect(compared.rows[0].vsBaseline.comparison.n).toBe(2);
    const badBaseline = await cli("compare", "--baseline", "model.nu=7");
    expect(badBaseline.code).toBe(2); // invalid input, named as the flag
    expect(badBaseline.stderr).toMatch(
      /--baseline: 'model.nu=7' matches no configuration; use one of: model.nu=10 \| model.nu=5/,
    );

    const workers = JSON.parse((await cli("workers", "--json")).stdout);
    expect(workers).toEqual([expect.objectContaining({ backend: "cpu", status: "stopped" })]);
    const listed = (await cli("workers")).stdout.split("\n");
    expect(listed[0]).toMatch(/^worker +status +backend +runs +last heard +gpu$/);
    // seconds after the run, or a minute and more on a loaded machine: what is checked is the column, not the time
    expect(listed[1]).toMatch(new RegExp(`^${workers[0].id} +stopped +cpu +cpu +(\\d+ min )?\\d+ s ago$`));

    // more seeds: a dry run says what they cost and adds nothing; then a revision, which the same file trains
    const dry = JSON.parse(
      (await cli("sweep", "extend", sweep.id, "--seeds", "+1", "--dry-run", "--json")).stdout,
    );
    expect(dry).toMatchObject({ seeds: [3], trialCount: 2, revision: null, added: 0 });
    expect(dry.estimatedSeconds).toBeGreaterThan(0);
    const extended = await cli("sweep", "extend", sweep.id, "--seeds", "3");
    expect(extended.stdout).toMatch(/revision 2: seed 3 for 2 configurations .*: 2 trials/);
    expect(extended.stdout).toContain(`\`tailsweep sweep run ${sweep.id}\` trains them here`);
    expect(JSON.parse((await cli("sweep", "status", "--json")).stdout)).toMatchObject({
      status: "running",
      counts: { succeeded: 4, waiting: 2 },
    });
    expect((await cli("sweep", "retry", sweep.id)).stdout).toMatch(/no failed trials to retry/);
    // running, not cancelled (as after Ctrl-C): nothing to resume, and it says what trains the waiting trials
    expect((await cli("sweep", "resume", sweep.id)).stdout).toBe(
      `sweep ${sweep.id} is running, not cancelled: nothing to resume; its waiting trials run as they are: \`tailsweep sweep run ${sweep.id}\` trains them here\n`,
    );
    // a retry's dry run: nothing failed, nothing to queue, and nothing estimated
    expect(JSON.parse((await cli("sweep", "retry", sweep.id, "--dry-run", "--json")).stdout)).toEqual({
      id: sweep.id,
      retried: 0,
      dryRun: true,
      trialCount: 0,
      estimatedSeconds: null,
      unmeasuredTrials: 0,
      // none of them would fail at once on its own configuration
      refusedTrials: 0,
      // a plain grid adds no trials of its own once they are back
      addsTrials: false,
      afterwards: null,
    });
    // cancelled, a dry run says what a resume queues and the training it takes, and leaves it cancelled
    expect((await cli("sweep", "cancel", sweep.id)).stdout).toMatch(/cancelled sweep .*: 2 trials stopped/);
    // the list filters by status, as the dashboard's does
    const listedIn = async (status: string) =>
      JSON.parse((await cli("sweep", "list", "--status", status, "--json")).stdout).map(
        (s: { id: string }) => s.id,
      );
    expect(await listedIn("cancelled")).toEqual([sweep.id]);
    expect(await listedIn("running")).toEqual([]);
    const bogus = await cli("sweep", "list", "--status", "bogus");
    expect([bogus.code, bogus.stderr]).toEqual([
      2,
      "tailsweep: --status: must be one of running, completed, cancelled, got 'bogus'\n(add --help for usage)\n",
    ]);
    expect((await cli("sweep", "resume", sweep.id, "--dry-run")).stdout).toMatch(
      new RegExp(
        // "a guess" where a cancelled trial's configuration has finished none (timed at the sweep's mean)
        `^sweep ${sweep.id} would resume: 2 cancelled trials queued again, (at most about .+ of training|about .+ of training, a guess: .+ timed at the sweep's mean \\(large ones take far longer\\))\\n$`,
      ),
    );
    expect(JSON.parse((await cli("sweep", "status", "--json")).stdout)).toMatchObject({
      status: "cancelled",
    });
    expect((await cli("sweep", "resume", sweep.id)).stdout).toBe(
      `sweep ${sweep.id} resumed: 2 trials queued again; \`tailsweep sweep run ${sweep.id}\` trains them here\n`,
    );

    // a confirmation: the best and the baseline on fresh seeds, never seeds the selection saw
    const plan = JSON.parse(
      (await cli("sweep", "confirm", sweep.id, "--seeds", "+3", "--dry-run", "--json")).stdout,
    );
    expect(plan).toMatchObject({ seeds: [4, 5, 6], baseline: "model.nu=10", trialCount: 6, revision: null });
    const confirmed = await cli("sweep", "confirm", sweep.id, "--seeds", "4..6");
    expect(confirmed.stdout).toMatch(
      /revision 3: confirming model\.nu=5 and the baseline model\.nu=10 on fresh seeds 4–6: 6 trials/,
    );
    // named: once confirmed, nu=5 is no longer chosen by default (that refusal is confirmation.test.ts's)
    const reused = await cli("sweep", "confirm", sweep.id, "--seeds", "2..7", "--config", "model.nu=5");
    expect(reused.code).toBe(2);
    expect(reused.stderr).toMatch(
      /--seeds: seeds 2–6 ran in this sweep already, so its results helped choose/,
    );
    const clash = ["sweep", "confirm", sweep.id, "--seeds", "+2", "--config", "model.nu=5", "--top", "1"];
    const both = await cli(...clash);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--config, --top: name the configurations/);
    // and a --metric beside --config, which would choose nothing: both clashes at once
    const three = await cli(...clash, "--metric", "accuracy");
    expect(three.code).toBe(2);
    expect(three.stderr).toMatch(
      /--config, --top: name the configurations .*\n--metric: chooses the configurations to confirm/,
    );
    // the API's configs[0] is the command's --config
    const unknown = await cli("sweep", "confirm", sweep.id, "--seeds", "+2", "--config", "model.nu=99");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--config: 'model\.nu=99' matches no configuration; use one of: /);
    // the same file trains the top-up and the confirmation; its closing ranking counts the selection's 3 seeds, not
    // the confirmation's fresh ones (which only the confirmed pair ran)
    const trained = await cli("sweep", "run", file);
    expect(trained.code).toBe(0);
    // each † for seed 3, which revision 2 added post hoc
    const ranked = trained.stdout.match(/\(\d+ seeds\)( †)? {2}model\.nu=/g);
    expect(ranked).toEqual(["(3 seeds) †  model.nu=", "(3 seeds) †  model.nu="]);
    // the stored sweep's id (its start) in place of the file: the same sweep, finished, shown as it is
    const byId = await cli("sweep", "run", sweep.id.slice(0, 8));
    expect([byId.code, byId.stderr]).toEqual([
      0,
      expect.stringContaining(`sweep ${sweep.id} has finished already`),
    ]);
    // neither a file nor the start of a stored id: not found, as every command says of an unknown sweep
    const neither = await cli("sweep", "run", "no-such-file-or-sweep");
    expect(neither.code).toBe(3);
    expect(neither.stderr).toMatch(
      /'no-such-file-or-sweep' is no file, and no stored sweep's id starts with it/,
    );
    // its comparison shows the confirmation with each stage's family: the selection rows' is the sweep's own table
    const shown = await cli("compare", "--baseline", "model.nu=10");
    expect(shown.stdout).toMatch(
      /Confirmation \(revision 3\): selected on seeds 1–3, confirmed on 4–6; vs baseline model\.nu=10, /,
    );
    expect(shown.stdout).toMatch(
      /Selection rows: the sweep's own tests on the seeds they were chosen on, (Holm-corrected across the 1 comparison at α = 0\.05|nothing corrected: no comparison has a test \(1 degenerate\))\./,
    );
    // a stage without a test says why under the table, as the comparison's rows do
    if (/\(1 degenerate\)/.test(shown.stdout))
      expect(shown.stdout).toMatch(/^ {2}model\.nu=5 \((selection|confirmation)\): degenerate: .+/m);
  });

  it("names what sweep extend takes when its seeds are missing or bad, with what the store says of the rest", async () => {
    const neither = await cli("sweep", "extend", "some-id");
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(
      /--seeds, --to-power: give --seeds \(6\.\.10, 6,7,9 or \+5\) or --to-power \(e\.g\. 0\.8\): neither was given/,
    );
    const both = await cli("sweep", "extend", "some-id", "--seeds", "+1", "--to-power", "0.8");
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/: not both/);
    const cap = await cli("sweep", "extend", "some-id", "--seeds", "+1", "--max-seeds", "5");
    expect(cap.code).toBe(2);
    expect(cap.stderr).toMatch(/--max-seeds: caps --to-power's seeds/);
    const backwards = await cli("sweep", "extend", "some-id", "--seeds", "10..6");
    expect(backwards.code).toBe(2);
    expect(backwards.stderr).toMatch(
      /--seeds: must be a range \(6\.\.10\), a list \(6,7,9\) or how many more \(\+5\) \(the range's end below its start\), got "10\.\.6"/,
    );
    const power = await cli("sweep", "extend", "some-id", "--to-power", "1.5");
    expect(power.code).toBe(2);
    // the line's refused value, and what the store says of the rest (asked with --to-power at 0.8): no such sweep
    expect(power.stderr).toBe(
      "tailsweep: --to-power: must be in (0, 1), got 1.5\ntailsweep: sweep: no sweep with id some-id\n(add --help for usage)\n",
    );
    // a bad --seeds is a flag's refusal like the others, said with them (it was parsed after them, alone)
    const flags = await cli("sweep", "extend", "some-id", "--seeds", "bad", "--max-seeds", "-1");
    expect(flags.code).toBe(2);
    expect(flags.stderr).toMatch(
      /^tailsweep: --seeds: must be a range .*, got "bad"\ntailsweep: --max-seeds: must be a whole number from 2 to 1000, got -1\n/,
    );
    // and the two ways of asking for seeds, misused together: both said
    const misused = await cli("sweep", "extend", "some-id", "--max-seeds", "5");
    expect(misused.code).toBe(2);
    expect(misused.stderr).toBe(
      "tailsweep: --seeds, --to-power: give --seeds (6..10, 6,7,9 or +5) or --to-power (e.g. 0.8): neither was given\n--max-seeds: caps --to-power's seeds: use it with --to-power, not --seeds\n",
    );
    // --to-power sizes the open comparisons alone: --only all beside it is said, not taken for undecided
    const everyOne = await cli("sweep", "extend", "some-id", "--to-power", "0.8", "--only", "all");
    expect([everyOne.code, everyOne.stderr]).toEqual([
      2,
      "tailsweep: --only: a power to reach tops up only the undecided comparisons and their baseline: leave it out, or give seeds for every configuration\n",
    ]);
    const confirm = await cli("sweep", "confirm", "some-id", "--seeds", "bad", "--top", "0");
    expect(confirm.stderr).toMatch(
      /^tailsweep: --seeds: must be a range .*\ntailsweep: --top: must be a whole number ≥ 1, got 0\n/,
    );
  });

  it("names what is wrong with a bad export format or an unknown sweep, and changes nothing", async () => {
    const format = await cli("sweep", "export", "some-id", "--format", "xml");
    expect(format.code).toBe(2); // refused by the parser
    expect(format.stderr).toMatch(/^tailsweep: --format: must be one of csv, json, got 'xml'\n/);
    // --json, --format and the file's name must agree: JSON in a .csv file is refused, not written
    const out = join(mkdtempSync(join(tmpdir(), "tailsweep-export-")), "runs.csv");
    const clash = await cli("sweep", "export", "some-id", "--json", "-o", out);
    expect([clash.code, clash.stderr]).toEqual([
      2,
      `tailsweep: --format: --json asks for json, the file name ${out} for csv: say one format (or leave it to the file name)\n`,
    ]);
    expect(existsSync(out)).toBe(false);
    // a name that says a format it does not write is refused before anything is asked, unless --format says which
    const sheet = join(dirname(out), "runs.xlsx");
    const other = await cli("sweep", "export", "some-id", "-o", sheet);
    expect([other.code, other.stderr]).toEqual([
      2,
      `tailsweep: --output: ${sheet} names a format sweep export does not write (.xlsx); it writes .csv or .json, each optionally .gz: name the file so, or add --format csv or --format json to write one under this name\n`,
    ]);
    expect(existsSync(sheet)).toBe(false);
    const unknown = await cli("sweep", "cancel", "no-such-sweep", "--json");
    expect(unknown.code).toBe(3); // not found
    expect(unknown.stderr).toMatch(/no sweep with id no-such-sweep/);
    // With --json the error is also one JSON object on stdout, where the answer would have been.
    expect(JSON.parse(unknown.stdout)).toEqual({
      error: {
        code: "SWEEP_NOT_FOUND",
        category: "not-found",
        exitCode: 3,
        message: expect.stringMatching(/^no sweep with id no-such-sweep/),
      },
    });
    const usage = await cli("compare", "some-id", "--alpha", "2", "--correction", "foo", "--json");
    expect(usage.code).toBe(2);
    // the sweep the line names, which the store does not have, among them
    const problems = [
      "--alpha: must be in (0, 1), got 2",
      "--correction: must be one of holm, bh, got 'foo'",
      "sweep: no sweep with id some-id",
    ];
    expect(JSON.parse(usage.stdout).error).toEqual({
      code: "USAGE_INVALID",
      category: "invalid",
      exitCode: 2,
      message: problems.join("\n"),
      problems,
    });
    const file = join(mkdtempSync(join(tmpdir(), "tailsweep-bad-")), "bad.yaml");
    writeFileSync(file, "name: x\nproject: p\nsearch: { nu: [1] }\nbogus: 1\n");
    const invalid = await cli("sweep", "run", file, "--dry-run", "--json");
    expect(invalid.code).toBe(2);
    expect(JSON.parse(invalid.stdout).error).toMatchObject({
      code: "CONFIG_INVALID",
      problems: [
        expect.stringMatching(/^\(top level\): unknown key 'bogus'/),
        "search.nu[0]: must be > 2, got 1",
      ],
    });
    // evaluate names the metrics it does not compute, not their places in a list
    const metrics = await cli("evaluate", "some-sweep:some-key", "--metric", "foo,ece,bar");
    expect([metrics.code, metrics.stderr]).toEqual([
      2,
      "tailsweep: --metric: 'foo', 'bar' are not metrics it computes; use accuracy, balancedAccuracy, macroF1, gMean, minorityRecall, logLoss, brier, ece (comma-separated)\n",
    ]);
    // Without --json, stdout stays empty.
    expect((await cli("sweep", "cancel", "no-such-sweep")).stdout).toBe("");
  });

  it("names a bad dashboard address and a bad token of login together, and saves nothing", async () => {
    const config = mkdtempSync(join(tmpdir(), "tailsweep-login-"));
    const asked = run(process.execPath, [bin, "login", "not a url", "--token-stdin"], {
      env: { ...process.env, XDG_CONFIG_HOME: config },
    });
    asked.child.stdin?.end("not-a-token\n");
    const r = await asked.then(
      () => ({ code: 0, stderr: "" }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "tailsweep: url: must be the dashboard's http or https address, e.g. https://ml.example.org; token: must be an API token as tailsweep token create prints it: tsk_, 12 characters, _ and 43 characters more (letters, digits, - and _)\n",
    );
    expect(readdirSync(config)).toEqual([]);
  });

  it("says in whoami that a set DATABASE_URL wins over a login, which commands then do not use", async () => {
    const r = await run(process.execPath, [bin, "whoami"], {
      env: {
        ...process.env,
        DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/not-opened",
        TAILSWEEP_URL: "http://127.0.0.1:9",
        TAILSWEEP_TOKEN: `tsk_${"a".repeat(12)}_${"b".repeat(43)}`,
      },
    });
    expect(r.stderr).toContain(
      "DATABASE_URL is set: commands use that run store directly, as the local user; the login to http://127.0.0.1:9 is not used while it is set",
    );
  });

  it("serves the embedded store's dashboard, which has no sign-in, on loopback only", async () => {
    const exposed = await cli("ui", "--host", "0.0.0.0");
    expect(exposed.code).toBe(2); // invalid input
    expect(exposed.stderr).toMatch(/--host 0\.0\.0\.0: the embedded store's dashboard has no sign-in/);
    // a port no server can listen on is said before the dashboard is built, not when it listens
    const port = await cli("ui", "--port", "99999");
    expect([port.code, port.stderr]).toEqual([
      2,
      "tailsweep: --port: must be a whole number from 1 to 65535, got 99999\n(add --help for usage)\n",
    ]);
  });
});

describe("tailsweep train", () => {
  it("says the launch's note on an explicit γ for a user's data set, once its dimensions are read", async () => {
    // two modalities of 2 columns: the subsets' n are 4, 2 and 2
    const dir = mkdtempSync(join(tmpdir(), "tailsweep-user-gamma-"));
    const columns = (rows: number) =>
      Array.from({ length: rows }, (_, i) => `${i % 2},${(i * 7) % 5}\n`).join("");
    const labels = (rows: number) => Array.from({ length: rows }, (_, i) => `${i % 2}\n`).join("");
    for (const [section, rows] of [
      ["train", 40],
      ["test", 10],
    ] as const) {
      mkdirSync(join(dir, section));
      for (const side of ["left", "right"]) writeFileSync(join(dir, section, `${side}.csv`), columns(rows));
      writeFileSync(join(dir, section, "labels.csv"), labels(rows));
    }
    const files = (section: string) => ({
      files: { left: `${section}/left.csv`, right: `${section}/right.csv` },
      labels: `${section}/labels.csv`,
    });
    const manifest = {
      format: "tailsweep-dataset",
      version: 1,
      name: "tiny",
      classNames: ["a", "b"],
      modalities: [
        { name: "left", dim: 2 },
        { name: "right", dim: 2 },
      ],
      train: files("train"),
      test: files("test"),
    };
    writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
    const args = [
      "train",
      "--dataset",
      "user",
      "--data-path",
      join(dir, "manifest.json"),
      "--variant",
      "proposed",
    ];
    const small = ["--nu", "10", "--latent-dim", "2", "--epochs", "1", "--widths", "8"];
    // at n = 2 the minimum of (R1) lies at a posterior variance of 1.1 (eq. M1): it trains, with the note
    const wide = await tailsweep(...args, ...small, "--gamma", "-0.3");
    expect(wide.code).toBe(0);
    expect(wide.stderr).toContain(
      "note: model.gamma: γ = -0.3 puts the regulariser's minimum (M1) at a posterior variance of 1.1 at ν = 10, n = 2, latentDim 2 (the tied γ puts it at 0.66)",
    );
    const narrow = await tailsweep(...args, ...small, "--gamma", "-0.1");
    expect(narrow.code).toBe(0);
    expect(narrow.stderr).not.toContain("note: model.gamma");
    // a modality the data set lacks: the model's own error says which, not the note's check at a dimension of 0
    const lacking = await tailsweep(...args, ...small, "--gamma", "-0.3", "--set", "model.modalities=[0,2]");
    expect(lacking.code).not.toBe(0);
    expect(lacking.stderr).toMatch(/modalities: index 2 is out of range/);
    expect(lacking.stderr).not.toMatch(/note: model\.gamma|n: must be an integer/);
  });

  it("refuses bad input before loading anything, naming every bad field", async () => {
    const r = await tailsweep("train", "--nu", "2", "--label-ratio", "1.5", "--set", "model.fusion=sum");
    expect(r.code).toBe(2); // invalid input
    expect(r.stderr).toMatch(/model\.nu/);
    expect(r.stderr).toMatch(/model\.fusion/);
    expect(r.stderr).toMatch(/dataset\.labelRatio/);
    // a batch size of 0 is refused, not taken as "not given" (the default before)
    const zero = await tailsweep("train", "--batch-size", "0");
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/train\.labeledBatchSize: must be ≥ 1, got 0/);
    const preset = await tailsweep("train", "--preset", "huge");
    expect(preset.code).toBe(2); // a usage error, as every bad flag
    expect(preset.stderr).toMatch(/^tailsweep: --preset: must be one of quick, paper, got 'huge'\n/);
    // a flag that cannot be read does not hide the config's problems: all of them in one run
    const both = await tailsweep("train", "--lr", "abc", "--nu", "1", "--epochs", "-1", "--variant", "foo");
    expect([both.code, both.stderr]).toEqual([
      2,
      expect.stringMatching(
        /^tailsweep: --lr: expects a number, got 'abc'\ntailsweep: variant: must be one of .*, got 'foo'\ntailsweep: train\.epochs: must be ≥ 1, got -1\ntailsweep: model\.nu: must be > 2, got 1\n/,
      ),
    ]);
    // the refused --lr is left out, not judged as an empty value
    expect(both.stderr).not.toMatch(/learningRate/);
    // more rows than MNIST's class 0 has (5,923), said before the backend starts
    const short = await tailsweep("train", "--head-count", "6000", "--set", "dataset.classOrder=natural");
    expect([short.code, short.stderr]).toEqual([
      2,
      expect.stringMatching(
        /^tailsweep: invalid configuration:\n {2}- dataset\.headCount: 6000 on mnist-2view is more than its data allows: class 0 \("0"\) would need 6000 training rows/,
      ),
    ]);
  });

  it("reads a YAML config and trains end to end with --json", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tailsweep-train-"));
    const config = join(dir, "run.yaml");
    writeFileSync(
      config,
      [
        "variant: proposed",
        "dataset: { name: mnist-2view, headCount: 200, testPerClass: 10, imbalanceRatio: 10 }",
        "model: { encoderWidths: [16], decoderWidths: [16], classifierWidths: [16], latentDim: 4 }",
        "train: { epochs: 1, maxStepsPerEpoch: 2, seed: 3 }",
      ].join("\n"),
    );
    const r = await tailsweep("train", "--config", config, "--json", "--set", "model.nu=7");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.model.nu).toBe(7);
    expect(out.dataset.seed).toBe(3);
    expect(out.backend.name).toBe("cpu");
    expect(out.metrics.test.n).toBe(100);
    expect(out.metrics.perModality).toHaveLength(2);
    expect(r.stderr).toMatch(/compute backend: cpu/);
    expect(r.stderr).toMatch(/epoch 1\/1 {2}loss/);
  });
});
