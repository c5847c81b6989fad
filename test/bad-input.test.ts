// Bad input at the dashboard's API, over its HTTP handler (the one the Next route runs) on real PostgreSQL: a NUL
// character, a sweep of a million trials, an oversized body and fuzzed JSON each get a 4xx naming what is wrong,
// never a 500, and change nothing stored.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { generateApiToken } from "@tailsweep/access";
import {
  type ApiContext,
  apiResponse,
  appRouter,
  LOCAL_CALLER,
  MAX_REQUEST_BODY_BYTES,
  memberCaller,
  PasswordSignIn,
} from "@tailsweep/api";
import { InProcessBus } from "@tailsweep/bus";
import { Controller } from "@tailsweep/controller";
import { checkDatasetFiles } from "@tailsweep/data";
import { openRunStore } from "@tailsweep/db";
import { parseSweepFile } from "@tailsweep/schemas";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "./fresh-database";

const NUL = "\u0000";

describe("bad input at the API", { timeout: 60_000 }, () => {
  let opened: Awaited<ReturnType<typeof openRunStore>>;
  let cleanup: (() => Promise<void>)[] = [];
  let controller: Controller;
  let local: ApiContext;
  let owner: ApiContext;

  beforeAll(async () => {
    const db = await freshDatabase("bad_input");
    opened = await openRunStore({ databaseUrl: db.url });
    const bus = new InProcessBus();
    // No worker: launched sweeps are stored and queued, which is all these tests look at.
    controller = new Controller(opened.store, bus);
    await controller.start();
    cleanup = [() => controller.stop(), () => bus.close(), () => opened.close(), db.drop];
    const ada = await opened.access.createUser({ email: "ada@example.org", name: "Ada" });
    await opened.access.setRole("p", ada.id, "owner");
    const base = { store: opened.store, launcher: controller, access: opened.access };
    local = { ...base, caller: LOCAL_CALLER };
    owner = { ...base, caller: memberCaller(ada.id, "ada", await opened.access.membershipsOf(ada.id)) };
    for (const path of paths)
      if ((await apiResponse(new Request(`http://127.0.0.1/api/trpc/${path}`), () => local)).status === 405)
        mutations.add(path);
    const secret = generateApiToken();
    await opened.access.createApiToken({
      id: secret.id,
      userId: ada.id,
      projectId: "p",
      name: "existing",
      tokenHash: secret.hash,
      expiresAt: new Date(Date.now() + 86_400_000),
    });
  });
  afterAll(async () => {
    for (const f of cleanup) await f();
  });

  const paths = Object.keys(appRouter._def.procedures);
  /** The mutations: a GET of one is answered 405 (tRPC takes them by POST only). */
  const mutations = new Set<string>();

  /** One call as a browser or script makes it: a query by GET `?input=`, a mutation by POST of its JSON. */
  async function call(
    path: string,
    input: unknown,
    ctx: ApiContext = local,
  ): Promise<{ status: number; code?: string; message: string }> {
    const url = `http://127.0.0.1/api/trpc/${path}`;
    const json = input === undefined ? undefined : JSON.stringify(input);
    const req = !mutations.has(path)
      ? new Request(json === undefined ? url : `${url}?input=${encodeURIComponent(json)}`)
      : new Request(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: json ?? "",
        });
    const res = await apiResponse(req, () => ctx);
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { status: res.status, message: text };
    }
    const error = (body as { error?: { message?: string; data?: { code?: string } } }).error;
    return { status: res.status, code: error?.data?.code, message: error?.message ?? "" };
  }

  /** What is stored, to show a refused call changed nothing. */
  const stored = async () => ({
    sweeps: (await opened.store.listSweeps()).map((s) => s.id),
    tokens: (
      await opened.access.apiTokensOf((await opened.access.getUserByEmail("ada@example.org"))!.id)
    ).map((t) => t.id),
  });

  it("refuses NUL in every text input with 400 naming the field, where the store itself would fail", async () => {
    // Why: PostgreSQL text cannot hold U+0000, and says so with a raw error (the 500 this used to be).
    await expect(opened.store.getSweep(`a${NUL}`)).rejects.toThrow();
    const before = await stored();
    const cases: [string, unknown, RegExp, ApiContext?][] = [
      ["sweeps.get", { id: `a${NUL}` }, /^input\.id: must not contain the NUL character/],
      ["sweeps.trials", { id: NUL }, /^input\.id: must not contain the NUL/],
      ["sweeps.list", { project: `p${NUL}` }, /^input\.project: must not contain the NUL/],
      ["sweeps.list", { search: `x${NUL}` }, /^input\.search: must not contain the NUL/],
      ["sweeps.compare", { id: "a", metric: NUL }, /^input\.metric: must not contain the NUL/],
      ["sweeps.cancel", { id: `a${NUL}` }, /^input\.id: must not contain the NUL/],
      ["sweeps.delete", { id: `a${NUL}` }, /^input\.id: must not contain the NUL/],
      ["trials.get", { id: `t${NUL}` }, /^input\.id: must not contain the NUL/],
      ["runs.catalog", { project: `p${NUL}` }, /^input\.project: must not contain the NUL/],
      [
        "runs.compare",
        { groups: [{ sweepId: NUL }, { sweepId: "b" }] },
        /^input\.groups\[0\]\.sweepId: must not/,
      ],
      ["audit.list", { project: `p${NUL}` }, /^input\.project: must not contain the NUL/],
      [
        "tokens.create",
        { project: "p", name: `laptop${NUL}`, days: 7 },
        /^input\.name: must not contain/,
        owner,
      ],
      ["tokens.revoke", { id: `x${NUL}` }, /^input\.id: must not contain the NUL/, owner],
      [
        "members.set",
        { project: "p", email: `a${NUL}@example.org`, role: "member" },
        /^input\.email: /,
        owner,
      ],
      ["sweeps.launch", { yaml: `name: s${NUL}` }, /^input\.yaml: must not contain the NUL/],
      // a launch is a file's text or the form's object: one refusal names the one it was given, or says which it may be
      [
        "sweeps.launch",
        {},
        /^input: must have one of yaml \(a sweep file's text, YAML or JSON\) or spec \(the sweep file as an object\), got neither$/,
      ],
      ["sweeps.launch", { yml: "name: s" }, /, got 'yml' \(did you mean yaml for 'yml'\?\)$/],
      ["sweeps.launch", { yaml: "name: s", spec: {} }, /, not yaml and spec together$/],
      ["sweeps.launch", { yaml: 3, reuse: "yes" }, /^input\.yaml: must be text, got 3; input\.reuse: /],
      ["sweeps.checkLaunch", { spec: [] }, /^input\.spec: must be a mapping/],
      [
        "sweeps.launch",
        { yaml: 'name: s\ndescription: "a\\0b"\nsearch: { nu: [5] }\nseeds: 1\n' },
        /^description: must not contain the NUL character/,
      ],
      [
        "sweeps.launch",
        { spec: { name: "s", dataset: { name: "user", path: `d${NUL}.json` }, seeds: 1 } },
        /^dataset\.path: must not contain the NUL character/,
      ],
    ];
    for (const [path, input, message, ctx] of cases) {
      const answer = await call(path, input, ctx);
      expect([path, answer.status, answer.code], JSON.stringify(input)).toEqual([path, 400, "BAD_REQUEST"]);
      expect(answer.message, path).toMatch(message);
    }
    // A sign-in with such an email is refused as bad input, before the store is asked.
    await expect(
      new PasswordSignIn(opened.access).verify({ email: `a${NUL}@example.org`, password: "x" }, undefined),
    ).rejects.toMatchObject({ code: "SIGN_IN_FAILED", reason: "input", category: "invalid" });
    expect(await stored()).toEqual(before);
  });

  it("refuses a sweep of a million trials at once, and a seed searched or fixed, storing nothing", async () => {
    const ten = (f: (i: number) => number) => `[${Array.from({ length: 10 }, (_, i) => f(i)).join(", ")}]`;
    const yaml = [
      "name: huge",
      "search:",
      `  nu: ${ten((i) => i + 3)}`,
      `  gamma: ${ten((i) => -(i + 1) / 100_000)}`,
      `  beta: ${ten((i) => (i + 1) / 20)}`,
      `  rho: ${ten((i) => i + 1)}`,
      `  model.latentDim: ${ten((i) => i + 1)}`,
      `  train.learningRate: ${ten((i) => (i + 1) / 1e4)}`,
      "seeds: 1",
    ].join("\n");
    const before = await stored();
    const started = performance.now();
    const answer = await call("sweeps.launch", { yaml });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect([answer.status, answer.code]).toEqual([400, "BAD_REQUEST"]);
    expect(answer.message).toMatch(
      /^search: this sweep expands to 1,000,000 trials .* more than the limit of 100,000 per sweep; .*TAILSWEEP_MAX_TRIALS/,
    );
    // The dashboard's setting raises it: the same file is then refused only for what else is wrong with it.
    const raised = await call(
      "sweeps.launch",
      { yaml: `${yaml}\ntrain: { seed: 3 }` },
      {
        ...local,
        sweepLimits: { maxTrials: 1_000_000 },
      },
    );
    expect(raised.message).toBe(
      "train.seed: each trial's seed comes from the sweep's seeds field (e.g. seeds: [3]), which replaces train.seed; remove it here",
    );
    const seeded = await call("sweeps.launch", { yaml: "name: s\nsearch: { train.seed: [7, 8] }\n" });
    expect([seeded.status, seeded.message]).toEqual([
      400,
      expect.stringMatching(
        /^search\.train\.seed: seeds are not searched: list them in the sweep's seeds field/,
      ),
    ]);
    const nan = await call("sweeps.launch", { yaml: "name: s\nsearch: { nu: [5] }\nseeds: [1, 2, .nan]\n" });
    expect(nan.message).toBe("seeds[2]: must be a whole number from 0 to 2147483647, got NaN");
    // A method the space cannot have, and tpe's missing budget and bad settings, in one answer with the rest
    const method = await call("sweeps.launch", {
      yaml: "name: s\nsearch: { nu: { distribution: uniform, low: 3, high: 9 } }\nmethod: grid\nseeds: [1, 1]\n",
    });
    expect([method.status, method.message]).toEqual([
      400,
      "method: grid runs every combination of listed values, but search.nu is a distribution; list its values, or use method: random or tpe with a budget\nseeds[1]: must not repeat a seed (1 is seeds[0] already)",
    ]);
    const tpe = await call("sweeps.launch", {
      yaml: "name: s\nsearch: { nu: [5, 10] }\nmethod: tpe\ntpe: { parallel: 0 }\nseeds: { initial: 2, step: 1, max: 3 }\ndecide: { baseline: nu=4 }\n",
    });
    expect(tpe.message.split("\n")).toEqual([
      expect.stringMatching(/^tpe\.parallel: /),
      "budget: required with method: tpe (how many configurations to propose)",
      "decide.baseline: nu=4 is not one of search.nu's values (5, 10)",
    ]);
    // objectives: a metric twice, an unknown metric and an objective that is not their first, with the rest
    const objectives = await call("sweeps.launch", {
      yaml: [
        "name: s",
        "search: { nu: [5, 1] }",
        "objectives: [{ metric: minorityRecall }, { metric: minorityRecall }, { metric: logLoss }]",
        "objective: { metric: gMean }",
      ].join("\n"),
    });
    expect([objectives.status, ...objectives.message.split("\n")]).toEqual([
      400,
      expect.stringMatching(/^objectives\[2\]\.metric: /),
      "search.nu[1]: must be > 2, got 1",
      "objectives[1].metric: minorityRecall is objectives[0] already; list each metric once",
    ]);
    // modalities a built-in data set does not have: refused at launch, not as trials that all fail
    const modalities = await call("sweeps.launch", {
      yaml: "name: s\nsearch: { model.modalities: [[0, 1], [2], [3, 1]] }\nseeds: 1\n",
    });
    expect([modalities.status, ...modalities.message.split("\n")]).toEqual([
      400,
      expect.stringMatching(
        /^search\.model\.modalities\[1\]: the built-in data sets have 2 modalities, .*; this one asks for 2$/,
      ),
      expect.stringMatching(
        /^search\.model\.modalities\[2\]: the built-in data sets have 2 modalities, .*; this one asks for 3$/,
      ),
    ]);
    // a headCount some seed's class order cannot give: refused wherever the workers are (it reads nothing)
    const short = await call("sweeps.launch", {
      yaml: "name: s\ndataset: { headCount: 6100, classOrder: random }\nsearch: { nu: [4, 8] }\nseeds: 6\n",
    });
    expect([short.status, ...short.message.split("\n")]).toEqual([
      400,
      expect.stringMatching(
        /^dataset\.headCount: 6100 on mnist-2view is more than its data allows at seeds /,
      ),
    ]);
    // an explicit γ that cannot train (docs/model.md §3, E1–E3): a grid's at its place in the file, a range's by its
    // low end (the γ that train are an interval up to 0), and where a range of another knob the check reads leaves the
    // file's values unknown, a random search's by the configurations it drew, which its samplerSeed fixes at launch
    const gammaGrid = await call("sweeps.launch", {
      yaml: "name: s\nmodel: { nu: 5, latentDim: 16 }\nsearch: { variant: [proposed, gaussian], gamma: [tied, -0.1] }\nseeds: 1\n",
    });
    expect([gammaGrid.status, ...gammaGrid.message.split("\n")]).toEqual([
      400,
      expect.stringMatching(
        /^search\.gamma\[1\]: with variant "proposed" \(search\.variant\[0\]\), -0\.1 cannot train at ν = 5, n = 1568, latentDim 16, σ = 1: .*must lie in \[-0\.02775, 0\) here, or use tied$/,
      ),
    ]);
    const gammaRange = await call("sweeps.launch", {
      yaml: [
        "name: s",
        "model: { nu: 5, latentDim: 16 }",
        "search: { variant: [proposed, gaussian], gamma: { distribution: uniform, low: -0.1, high: -0.001 } }",
        "budget: 8",
        "seeds: 1",
      ].join("\n"),
    });
    expect([gammaRange.status, ...gammaRange.message.split("\n")]).toEqual([
      400,
      expect.stringMatching(
        /^search\.gamma\.low: with variant "proposed" \(search\.variant\[0\]\), -0\.1 cannot train at ν = 5, n = 1568, latentDim 16, σ = 1: .*must lie in \[-0\.02775, 0\) here, or use tied$/,
      ),
    ]);
    const gammaDrawn = await call("sweeps.launch", {
      yaml: [
        "name: s",
        "model: { latentDim: 16 }",
        "search: { variant: [proposed, gaussian], nu: { distribution: uniform, low: 4, high: 6 }, gamma: { distribution: uniform, low: -0.1, high: -0.001 } }",
        "budget: 8",
        "seeds: 1",
      ].join("\n"),
    });
    const drawnLines = gammaDrawn.message.split("\n");
    expect(gammaDrawn.status).toBe(400);
    expect(drawnLines.length).toBeGreaterThan(1);
    expect(
      drawnLines
        .slice(0, -1)
        .every((l) =>
          /^search: the draw model\.gamma=\S+ model\.nu=\S+ variant=proposed: model\.gamma: -0\.\d+ cannot train at ν = \S+, /.test(
            l,
          ),
        ),
    ).toBe(true);
    expect(drawnLines.at(-1)).toMatch(
      /^search: \d of the 8 configurations drawn cannot train: narrow the range of model\.gamma .* another samplerSeed$/,
    );
    expect(await stored()).toEqual(before);
  });

  it("refuses a user-data path that is not there when the workers read this disk", async () => {
    // As `tailsweep ui` sets it up when its workers run in its own process.
    const here: ApiContext = {
      ...local,
      launcher: {
        submit: (spec) => controller.submit(spec),
        cancel: (id) => controller.cancel(id),
        retry: (id) => controller.retry(id),
        resume: (id) => controller.resume(id),
        extend: (id, request) => controller.extend(id, request),
        delete: (id) => controller.delete(id),
        checkFiles: (spec) => checkDatasetFiles(spec),
      },
    };
    const before = await stored();
    const answer = await call(
      "sweeps.launch",
      { yaml: "name: s\ndataset: { name: user, path: /nowhere/manifest.json }\nseeds: 1\n" },
      here,
    );
    expect([answer.status, answer.message]).toEqual([
      400,
      "dataset.path: no manifest at /nowhere/manifest.json",
    ]);
    // with a built-in split some seed cannot draw: both in one answer
    const both = await call(
      "sweeps.launch",
      {
        yaml: [
          "name: s",
          "dataset: { name: user, path: /nowhere/manifest.json, headCount: 6000, classOrder: natural }",
          "search: { dataset.name: [user, mnist-2view] }",
          "seeds: 2",
        ].join("\n"),
      },
      here,
    );
    expect([both.status, ...both.message.split("\n")]).toEqual([
      400,
      "dataset.path: no manifest at /nowhere/manifest.json",
      'dataset.headCount: 6000 on mnist-2view is more than its data allows: class 0 ("0") would need 6000 training ' +
        "rows (600 labeled + 5400 unlabeled) and mnist-2view has 5923; lower headCount or pick another classOrder",
    ]);
    expect(await stored()).toEqual(before);
  });

  it("answers a body over the limit with 413 before reading it", async () => {
    const before = await stored();
    const body = JSON.stringify({ yaml: `name: s\ndescription: ${"x".repeat(MAX_REQUEST_BODY_BYTES)}` });
    const res = await apiResponse(
      new Request("http://127.0.0.1/api/trpc/sweeps.launch", { method: "POST", body }),
      () => local,
    );
    expect(res.status).toBe(413);
    expect(await res.text()).toMatch(/^request body too large: (\d+ bytes, )?more than the 1048576 bytes/);
    expect(await stored()).toEqual(before);
  });

  it("reads a sweep import past that limit for a caller who may import, and refuses it unread from anyone else", async () => {
    // the study's own archive: 175 trials, about 3 MB of JSON (a remote `tailsweep sweep import` sends it this way)
    const archive = gunzipSync(
      readFileSync(join(import.meta.dirname, "../docs/results-data/decide-mnist-2view.json.gz")),
    ).toString("utf8");
    const body = `{"archive":${archive}}`;
    expect(body.length).toBeGreaterThan(MAX_REQUEST_BODY_BYTES);
    const post = (path = "sweeps.import", headers: Record<string, string> = {}) =>
      new Request(`http://127.0.0.1/api/trpc/${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body,
      });
    const before = await stored();
    const refusals = [
      // team mode without a session or token: the context is refused from the headers
      await apiResponse(post(), () => {
        throw new Error("no session or token");
      }),
      await apiResponse(post("sweeps.import", { "content-length": String(Buffer.byteLength(body)) }), () => {
        throw new Error("no session or token");
      }),
      // a signed-in user who may launch nowhere, and a dashboard that launches nothing
      await apiResponse(post(), () => ({ ...local, caller: memberCaller("nobody", "nobody", []) })),
      await apiResponse(post(), () => ({ ...local, launcher: undefined })),
      // a batch that does more than import, and a path tRPC cannot read
      await apiResponse(post("sweeps.import,sweeps.list"), () => local),
      await apiResponse(post("sweeps.import%E0"), () => local),
    ];
    expect(refusals.map((r) => r.status)).toEqual([413, 413, 413, 413, 413, 413]);
    expect(await stored()).toEqual(before);
    const { id, trialCount } = JSON.parse(archive).sweep;
    let contexts = 0;
    try {
      const res = await apiResponse(post(), () => {
        contexts++;
        return local;
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ result: { data: { id, trialCount } } });
      // the context made to choose the limit is the one the procedure ran with
      expect(contexts).toBe(1);
    } finally {
      await opened.store.deleteSweep(id);
    }
  });

  /** Text that has broken servers: NUL, prototype names, path tricks, huge numbers as text, YAML specials. */
  const nasty = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom(
      NUL,
      `a${NUL}`,
      "__proto__",
      "constructor",
      "../../etc/passwd",
      "1e999",
      ".nan",
      "p",
      "ada@example.org",
    ),
  );
  /** A sweep file as YAML text, sound or not, with holes the fuzzer fills. */
  const yamlText = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc
      .tuple(
        nasty,
        fc.constantFrom("[5, 30]", "[.nan]", "{ distribution: uniform, low: 3, high: .inf }", "5"),
        nasty,
      )
      .map(([name, nu, description]) =>
        [
          `name: ${JSON.stringify(name)}`,
          `description: ${JSON.stringify(description)}`,
          `search: { nu: ${nu} }`,
          "seeds: 1",
        ].join("\n"),
      ),
  );
  const field = fc.oneof(
    nasty,
    fc.integer({ min: -5, max: 400 }),
    fc.double(),
    fc.boolean(),
    fc.constantFrom("owner", "viewer", "holm", "running", "loss.total", "model.nu", "variant"),
    fc.array(fc.record({ sweepId: nasty, config: nasty }, { requiredKeys: ["sweepId"] }), { maxLength: 3 }),
    yamlText,
    fc.dictionary(nasty, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  );
  /** What `sweep export --json` writes for a cancelled sweep of no trials, as JSON: the shape `sweeps.import` takes. */
  const importedSpec = parseSweepFile({ name: "imported", project: "p", search: { nu: [5, 30] }, seeds: 1 });
  const emptyArchive = JSON.parse(
    JSON.stringify({
      sweep: {
        ...{
          id: "00000000000000000000000000000abc",
          project: "p",
          name: "imported",
          spec: importedSpec,
          revision: 1,
          status: "cancelled",
        },
        ...{ createdAt: new Date(0), trialCount: 0, provenance: {}, tags: [], notes: "" },
      },
      trials: [],
      revisions: [
        {
          ...{
            sweepId: "00000000000000000000000000000abc",
            revision: 1,
            kind: "submit",
            spec: importedSpec,
            seeds: [1],
            configKeys: [],
          },
          ...{ trialCount: 0, posthoc: false, by: "", note: "", createdAt: new Date(0) },
        },
      ],
    }),
  );
  /** A sound input of every procedure (undefined: it takes none), which the fuzzer then spoils a field at a time. */
  const samples: Record<string, Record<string, unknown> | undefined> = {
    me: undefined,
    projects: undefined,
    workers: undefined,
    "sweeps.list": { project: "p", status: "running", search: "a" },
    "sweeps.get": { id: "s" },
    "sweeps.trials": { id: "s" },
    "sweeps.compare": { id: "s", metric: "accuracy", baseline: "variant=proposed" },
    "sweeps.heatmap": { id: "s", x: "model.nu", y: "variant" },
    "sweeps.curves": { id: "s", metric: "loss.total" },
    "sweeps.importance": { id: "s", metric: "balancedAccuracy" },
    "pareto.front": { id: "s", objectives: [{ metric: "balancedAccuracy" }, { metric: "minorityRecall" }] },
    "sweeps.perClass": { id: "s" },
    "sweeps.latest": { project: "p" },
    "sweeps.ranking": { id: "s" },
    "sweeps.export": { id: "s", format: "csv" },
    "sweeps.exportStream": { id: "s", format: "csv" },
    "reports.study": {
      sweeps: ["s"],
      title: "Study",
      baseline: "proposed",
      reference: { name: "paper preset", config: { model: { latentDim: 64 } } },
      render: { notes: "Notes.", command: "tailsweep report s", figuresPath: "figures" },
    },
    "sweeps.launch": { yaml: "name: s\nproject: p\nsearch: { nu: [5, 30] }\nseeds: 1\n" },
    "sweeps.checkLaunch": { yaml: "name: s\nproject: p\nsearch: { nu: [5, 30] }\nseeds: 1\n", reuse: true },
    "sweeps.import": { archive: emptyArchive },
    "sweeps.delete": { id: "s" },
    "sweeps.cancel": { id: "s" },
    "sweeps.retry": { id: "s" },
    "sweeps.resume": { id: "s" },
    "sweeps.revisions": { id: "s" },
    "sweeps.file": { id: "s" },
    "sweeps.sequential": { id: "s" },
    "sweeps.extend": { id: "s", seeds: { toPower: 0.8, maxSeeds: 10 }, only: "undecided", dryRun: true },
    "sweeps.confirm": { id: "s", seeds: { more: 5 }, top: 1, dryRun: true },
    "sweeps.annotate": { id: "s", addTags: ["baseline", "ρ:100"], removeTags: ["draft"], notes: "# why" },
    "trials.get": { id: "t" },
    "trials.annotate": { id: "t", tags: ["diverged"], notes: "loss went to NaN at epoch 3" },
    "trials.files": { id: "t" },
    "trials.file": { id: "t", name: "predictions.csv" },
    "trials.evaluate": { id: "t", metrics: ["ece", "accuracy"] },
    "runs.catalog": { project: "p" },
    "runs.compare": { groups: [{ sweepId: "a" }, { sweepId: "b", config: "variant=proposed" }] },
    "audit.list": { project: "p", limit: 5 },
    "members.list": { project: "p" },
    "members.set": { project: "p", email: "ada@example.org", role: "owner" },
    "members.remove": { project: "p", email: "bob@example.org" },
    "tokens.list": undefined,
    "tokens.create": { project: "p", name: "laptop", days: 7 },
    "tokens.revoke": { id: "x" },
  };
  /** A procedure and its input: its sound sample with fields spoilt or dropped, or any JSON at all. */
  const callArb = fc.constantFrom(...paths).chain((path) => {
    const sample = samples[path];
    const spoilt = sample
      ? fc
          .tuple(
            ...Object.keys(sample).map(() =>
              fc.oneof(
                { arbitrary: fc.constant({ keep: true }), weight: 2 },
                { arbitrary: fc.constant({ drop: true }), weight: 1 },
                { arbitrary: field.map((value) => ({ value })), weight: 2 },
              ),
            ),
          )
          .map((changes) =>
            Object.fromEntries(
              Object.entries(sample).flatMap(([key, sound], i) => {
                const change = changes[i]!;
                if ("keep" in change) return [[key, sound]];
                return "drop" in change ? [] : [[key, change.value]];
              }),
            ),
          )
      : fc.constant(undefined);
    return fc.tuple(
      fc.constant(path),
      fc.oneof({ arbitrary: spoilt, weight: 4 }, fc.jsonValue({ maxDepth: 3 })),
    );
  });

  it("has a sound sample input for every procedure, which the API takes", async () => {
    expect(Object.keys(samples).sort()).toEqual([...paths].sort());
  });

  it("answers any procedure given any JSON with 2xx or 4xx, never a 500, each within 2 s", async () => {
    const allowed = [
      "BAD_REQUEST",
      "UNAUTHORIZED",
      "FORBIDDEN",
      "NOT_FOUND",
      "CONFLICT",
      "PRECONDITION_FAILED",
    ];
    await fc.assert(
      fc.asyncProperty(callArb, fc.boolean(), async ([path, value], asOwner) => {
        const started = performance.now();
        const answer = await call(path, value, asOwner ? owner : local);
        expect(performance.now() - started).toBeLessThan(2_000);
        if (answer.status >= 300) {
          expect(answer.status, `${path} ${answer.message}`).toBeLessThan(500);
          expect(allowed, `${path} ${answer.message}`).toContain(answer.code);
        }
      }),
      { numRuns: 300 },
    );
  });
});
