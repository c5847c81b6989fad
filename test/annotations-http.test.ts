// Tags and notes on sweeps and trials (issue #20) over the API's HTTP handler (the one the Next route mounts), on the
// embedded store: a bad edit is refused with every problem named and nothing stored lost, a viewer is refused, a
// member's edit is stored, found by the sweep list's tag filter and search, and audited.
import { type ApiContext, apiResponse, memberCaller } from "@tailsweep/api";
import { openRunStore } from "@tailsweep/db";
import { parseSweepFile } from "@tailsweep/schemas";
import { expandSweep } from "@tailsweep/sweep";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe("tags and notes over HTTP (issue #20)", { timeout: 120_000 }, () => {
  let opened: Awaited<ReturnType<typeof openRunStore>>;
  let mel: ApiContext;
  let vic: ApiContext;
  let trialId: string;

  beforeAll(async () => {
    opened = await openRunStore({ pgliteDir: "memory", databaseUrl: "" });
    const contexts: ApiContext[] = [];
    for (const [name, role] of [
      ["mel", "member"],
      ["vic", "viewer"],
    ] as const) {
      const user = await opened.access.createUser({ email: `${name}@example.org`, name });
      await opened.access.setRole("alpha", user.id, role);
      const caller = memberCaller(user.id, `${name}@example.org`, await opened.access.membershipsOf(user.id));
      contexts.push({ store: opened.store, access: opened.access, caller });
    }
    [mel, vic] = contexts as [ApiContext, ApiContext];
    for (const name of ["nu-grid", "other"]) {
      const spec = parseSweepFile({ name, project: "alpha", search: { nu: [5, 30] }, seeds: [1] });
      await opened.store.createSweep({ id: name, spec, trials: expandSweep(spec) });
    }
    trialId = (await opened.store.listTrials("nu-grid"))[0]!.id;
  });
  afterAll(() => opened?.close());

  /** A call as the dashboard's pages and the CLI make it, through the handler the Next route runs. */
  async function call(ctx: ApiContext, path: string, input: unknown, method: "GET" | "POST" = "POST") {
    const url = `http://127.0.0.1/api/trpc/${path}`;
    const res = await apiResponse(
      method === "GET"
        ? new Request(`${url}?input=${encodeURIComponent(JSON.stringify(input))}`)
        : new Request(url, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(input),
          }),
      () => ctx,
    );
    const body = (await res.json()) as {
      result?: { data: unknown };
      error?: { message: string; data: { code: string; category: string; field?: string } };
    };
    return { status: res.status, message: body.error?.message, data: body.error?.data ?? body.result?.data };
  }

  it("refuses a bad edit with one 400 naming every bad tag and the notes, and keeps what was stored", async () => {
    const good = await call(mel, "sweeps.annotate", { id: "nu-grid", tags: ["ablation"], notes: "kept" });
    expect(good).toMatchObject({ status: 200, data: { tags: ["ablation"], notes: "kept" } });
    const bad = await call(mel, "sweeps.annotate", {
      id: "nu-grid",
      tags: ["fine", "two words", "<script>"],
      removeTags: [""],
      notes: "x".repeat(16 * 1024 + 1),
    });
    const rule = "must be 1–64 letters, digits or - _ . : /";
    expect(bad).toMatchObject({ status: 400, data: { code: "BAD_REQUEST", category: "invalid" } });
    expect(bad.message!.split("; ")).toEqual([
      `input.tags[1]: ${rule}, got "two words"`,
      `input.tags[2]: ${rule}, got "<script>"`,
      `input.removeTags[0]: ${rule}, got ""`,
      "input.notes: must be at most 16384 bytes of UTF-8 (16 kB), got 16385",
    ]);
    // One too many once added to what is stored: refused at `tags`, nothing of the edit kept.
    const many = Array.from({ length: 32 }, (_, i) => `t${i}`);
    expect(await call(mel, "sweeps.annotate", { id: "nu-grid", addTags: many, notes: "lost" })).toMatchObject(
      {
        status: 400,
        message: "tags: at most 32 tags, and this would make 33; remove some first",
        data: { field: "tags" },
      },
    );
    expect(await opened.store.getSweep("nu-grid")).toMatchObject({ tags: ["ablation"], notes: "kept" });
  });

  it("refuses a viewer's edit of a sweep or a trial with 403, and changes nothing", async () => {
    for (const [path, id] of [
      ["sweeps.annotate", "nu-grid"],
      ["trials.annotate", trialId],
    ]) {
      const refused = await call(vic, path!, { id, tags: ["mine"] });
      expect(refused).toMatchObject({ status: 403, data: { code: "FORBIDDEN" } });
      expect(refused.message).toBe(
        "vic@example.org is a viewer of project alpha: annotate needs the role member or higher (an owner of the project gives it)",
      );
    }
    expect(await opened.store.getSweep("nu-grid")).toMatchObject({ tags: ["ablation"], notes: "kept" });
    expect(await opened.store.getTrial(trialId)).toMatchObject({ tags: [], notes: "" });
    // reading stays open to a viewer
    expect((await call(vic, "sweeps.get", { id: "nu-grid" }, "GET")).data).toMatchObject({
      tags: ["ablation"],
    });
  });

  it("stores a member's edit, answers it in get and list, filters the list by tag and searches the notes", async () => {
    expect(
      await call(mel, "sweeps.annotate", {
        id: "nu-grid",
        addTags: [" paper:fig3 ", "baseline"],
        removeTags: ["ablation"],
        notes: "ν = 30 wins on the minority classes.\r\n\r\nRerun with 5 seeds.",
      }),
    ).toMatchObject({ status: 200 });
    const notes = "ν = 30 wins on the minority classes.\n\nRerun with 5 seeds.";
    expect((await call(vic, "sweeps.get", { id: "nu-grid" }, "GET")).data).toMatchObject({
      tags: ["baseline", "paper:fig3"],
      notes,
    });
    const list = async (input: unknown) =>
      ((await call(vic, "sweeps.list", input, "GET")).data as { id: string; tags: string[] }[]).map((s) => [
        s.id,
        s.tags,
      ]);
    expect(await list({})).toEqual([
      ["other", []],
      ["nu-grid", ["baseline", "paper:fig3"]],
    ]);
    expect(await list({ tags: ["paper:fig3"] })).toEqual([["nu-grid", ["baseline", "paper:fig3"]]]);
    expect(await list({ tags: ["paper:fig3", "missing"] })).toEqual([]);
    expect(await list({ search: "MINORITY" })).toEqual([["nu-grid", ["baseline", "paper:fig3"]]]);
    expect(await list({ search: "fig3" })).toEqual([["nu-grid", ["baseline", "paper:fig3"]]]);

    expect(
      await call(mel, "trials.annotate", { id: trialId, tags: ["diverged"], notes: "NaN" }),
    ).toMatchObject({
      status: 200,
      data: { tags: ["diverged"], notes: "NaN" },
    });
    expect((await call(vic, "trials.get", { id: trialId }, "GET")).data).toMatchObject({
      trial: { id: trialId, state: "waiting", tags: ["diverged"], notes: "NaN" },
    });
    // a repeat changes nothing, and is not audited again; named by the starts of its ids, it answers the whole id
    const [sweepPart, keyPart] = trialId.split(":");
    const started = `${sweepPart!.slice(0, 8)}:${keyPart!.slice(0, 6)}`;
    expect(await call(mel, "trials.annotate", { id: started, tags: ["diverged"] })).toMatchObject({
      status: 200,
      data: { id: trialId },
    });

    const audit = (await call(vic, "audit.list", { project: "alpha" }, "GET")).data as {
      action: string;
      target: string;
      actor: string;
      detail: Record<string, unknown>;
    }[];
    expect(audit.map((e) => [e.action, e.target, e.actor, e.detail])).toEqual([
      [
        "trial.annotate",
        trialId,
        "mel@example.org",
        expect.objectContaining({ addedTags: ["diverged"], removedTags: [], notesChanged: true }),
      ],
      [
        "sweep.annotate",
        "nu-grid",
        "mel@example.org",
        {
          name: "nu-grid",
          addedTags: ["baseline", "paper:fig3"],
          removedTags: ["ablation"],
          notesChanged: true,
          notesLength: notes.length,
        },
      ],
      [
        "sweep.annotate",
        "nu-grid",
        "mel@example.org",
        { name: "nu-grid", addedTags: ["ablation"], removedTags: [], notesChanged: true, notesLength: 4 },
      ],
    ]);
  });
});
