import { parseSweepFile } from "@tailsweep/schemas";
import { expandSweep, InMemoryRunStore } from "@tailsweep/sweep";
import { describe, expect, it } from "vitest";
import { LOCAL_CALLER } from "../caller";
import { resolveSweepIds, sweepOrThrow } from "./sweep-access";

const spec = parseSweepFile({ name: "p", search: { variant: ["gaussian", "proposed"] }, seeds: [1] });
const now = new Date("2026-01-01T00:00:00Z");

async function storeWith(ids: readonly string[]) {
  const store = new InMemoryRunStore();
  for (const id of ids) await store.createSweep({ id, spec, trials: expandSweep(spec), now });
  return { store, caller: LOCAL_CALLER };
}

describe("sweepOrThrow: a sweep by its id or the start of it", () => {
  it("takes a full id, or a start only one id has; names a start several have, and an unknown one", async () => {
    const ctx = await storeWith(["0ef93a45aa", "0ef93a45bb", "cdccf0d1cc"]);
    expect((await sweepOrThrow(ctx, "0ef93a45aa")).id).toBe("0ef93a45aa");
    expect((await sweepOrThrow(ctx, "cdccf0d1")).id).toBe("cdccf0d1cc");
    expect((await sweepOrThrow(ctx, "0ef93a45b")).id).toBe("0ef93a45bb");
    await expect(sweepOrThrow(ctx, "0ef93a45")).rejects.toMatchObject({
      code: "INPUT_INVALID",
      field: "id",
      message: "id: '0ef93a45' is the start of 2 sweep ids (0ef93a45aa, 0ef93a45bb); give more of it",
    });
    await expect(sweepOrThrow(ctx, "ffff")).rejects.toMatchObject({
      code: "SWEEP_NOT_FOUND",
      message: "no sweep with id ffff",
    });
    // the same words for a list of them
    await expect(resolveSweepIds(ctx, ["cdccf0d1", "0ef93a45"], "sweeps")).rejects.toMatchObject({
      message: "sweeps[1]: '0ef93a45' is the start of 2 sweep ids (0ef93a45aa, 0ef93a45bb); give more of it",
    });
    // several unknown ids are not found, as one is (the CLI exits 3), each named; a mix with a bad start is bad input
    await expect(resolveSweepIds(ctx, ["nope", "cdccf0d1", "zzzz"], "sweeps")).rejects.toMatchObject({
      code: "SWEEP_NOT_FOUND",
      category: "not-found",
      message: "sweeps[0]: no sweep with id nope\nsweeps[2]: no sweep with id zzzz",
    });
    await expect(resolveSweepIds(ctx, ["nope", "0ef93a45"], "sweeps")).rejects.toMatchObject({
      category: "invalid",
    });
  });
});

describe("trials by id", () => {
  it("says what a trial's id is made of when it is given a key alone", async () => {
    const { createCaller } = await import("./index");
    const ctx = await storeWith(["0ef93a45aa"]);
    const [trial] = await ctx.store.listTrials("0ef93a45aa");
    const api = createCaller(ctx);
    await expect(api.trials.get({ id: trial!.key })).rejects.toThrow(
      `no trial with id ${trial!.key} (a trial's id is <sweep id>:<trial key>, each whole or its first few characters; the key is the trial column of sweep export)`,
    );
    await expect(api.trials.get({ id: "0ef93a45aa:nope" })).rejects.toThrow(
      /^no trial with id 0ef93a45aa:nope$/,
    );
  });

  it("takes the sweep's id by a start only one sweep has, as everywhere a sweep is named", async () => {
    const { createCaller } = await import("./index");
    const ctx = await storeWith(["0ef93a45aa", "0ef93a45bb", "cdccf0d1cc"]);
    const [trial] = await ctx.store.listTrials("cdccf0d1cc");
    const api = createCaller(ctx);
    expect((await api.trials.get({ id: `cdcc:${trial!.key}` })).trial.id).toBe(trial!.id);
    await expect(api.trials.get({ id: `0ef93a45:${trial!.key}` })).rejects.toThrow(
      "id: '0ef93a45' is the start of 2 sweep ids (0ef93a45aa, 0ef93a45bb); give more of it",
    );
    await expect(api.trials.get({ id: `ffff:${trial!.key}` })).rejects.toThrow(
      new RegExp(`^no trial with id ffff:${trial!.key}$`),
    );
    // the key by its start too, as the export's column shows it
    expect((await api.trials.get({ id: `cdcc:${trial!.key.slice(0, 6)}` })).trial.id).toBe(trial!.id);
    const keys = (await ctx.store.listTrials("cdccf0d1cc")).map((t) => t.key);
    expect(keys.length).toBeGreaterThan(1);
    await expect(api.trials.get({ id: "cdcc:" })).rejects.toThrow(/^no trial with id cdcc:/);
  });

  it("names the trials a key start fits, where several do", async () => {
    const { createCaller } = await import("./index");
    const wide = parseSweepFile({
      name: "w",
      search: { nu: Array.from({ length: 20 }, (_, i) => i + 3) },
      seeds: [1],
    });
    const store = new InMemoryRunStore();
    await store.createSweep({ id: "feedface00", spec: wide, trials: expandSweep(wide), now });
    // 20 keys over 16 hex digits: some first digit starts two of them
    const keys = (await store.listTrials("feedface00")).map((t) => t.key);
    const shared = [...new Set(keys.map((k) => k[0]!))].find(
      (c) => keys.filter((k) => k.startsWith(c)).length > 1,
    )!;
    const fits = keys.filter((k) => k.startsWith(shared));
    // up to six are all named (five, and a sixth rather than "1 more")
    expect(fits.length).toBeLessThanOrEqual(6);
    await expect(
      createCaller({ store, caller: LOCAL_CALLER }).trials.get({ id: `feed:${shared}` }),
    ).rejects.toThrow(
      `id: '${shared}' is the start of ${fits.length} trial keys of sweep feedface00 (${fits.join(", ")}); give more of it`,
    );
  });
});
