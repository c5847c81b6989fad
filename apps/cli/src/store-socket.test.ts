import { mkdirSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LOCAL_CALLER, STORE_HELD_CODE } from "@tailsweep/api";
import { codeOf, errorCategory, parseSweepFile, UnavailableError } from "@tailsweep/schemas";
import { expandSweep, InMemoryRunStore } from "@tailsweep/sweep";
import { describe, expect, it } from "vitest";
import { apiError } from "./api-client";
import {
  answers,
  holderAnswered,
  holderGoneUnasked,
  STORE_HOLDER_GONE_CODE,
  serveStoreSocket,
  socketApi,
  storeSocketPath,
} from "./store-socket";

const HELD_ID = "held0123456789abcdef0123456789ab";

async function storeWithSweep(names = ["held"]) {
  const store = new InMemoryRunStore();
  for (const [k, name] of names.entries()) {
    const spec = parseSweepFile({
      name,
      project: "p",
      search: { variant: ["proposed", "gaussian"] },
      seeds: 2,
    });
    await store.createSweep({
      id: k === 0 ? HELD_ID : `${name}${"0".repeat(32)}`.slice(0, 32),
      spec,
      trials: expandSweep(spec),
      now: new Date(),
    });
  }
  return store;
}

describe("the held store's socket", () => {
  it("answers the API to its owner only, refuses what the holder does not do in its words, and is gone once closed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tailsweep-socket-"));
    const readOnly =
      "the embedded store is held by tailsweep sweep run (pid 1), which answers other commands' reads only";
    const store = await storeWithSweep(["held", "other"]);
    // the holder's own sweep's cancel it takes (`sweep run`), as it would: through the store
    const cancelsOwn = {
      sweepId: HELD_ID,
      cancel: async (id: string) => ({
        cancelled: true as const,
        stopped: (await store.cancelSweep(id, new Date()))!,
      }),
    };
    const served = await serveStoreSocket(dir, async () => ({
      store,
      caller: LOCAL_CALLER,
      readOnly,
      cancelsOwn,
    }));
    expect(served?.path).toBe(join(dir, "socket", "api.sock"));
    // its folder is the owner's only: no one else reaches the socket, whatever its own mode
    expect(statSync(join(dir, "socket")).mode & 0o777).toBe(0o700);
    const api = socketApi(served!.path);
    expect((await api.sweeps.list.query({})).map((s) => s.name).sort()).toEqual(["held", "other"]);
    // a streamed answer comes through whole
    let csv = "";
    for await (const chunk of await api.sweeps.exportStream.query({ id: "held", format: "csv" }))
      csv += chunk;
    expect(csv.trim().split("\n")).toHaveLength(5);
    const refused = await api.sweeps.cancel
      .mutate({ id: "other" })
      .catch((e: unknown) => apiError(e, undefined));
    expect(codeOf(refused)).toBe(STORE_HELD_CODE);
    expect(errorCategory(refused)).toBe("unavailable");
    expect(String(refused)).toContain(readOnly);
    const other = await api.sweeps.get.query({ id: "other" });
    expect(other.status).toBe("running");
    // whatever the other sweep's status: who holds the store decides, not what there is to cancel
    await store.cancelSweep(other.id, new Date());
    const again = await api.sweeps.cancel
      .mutate({ id: "other" })
      .catch((e: unknown) => apiError(e, undefined));
    expect(codeOf(again)).toBe(STORE_HELD_CODE);
    expect(await api.sweeps.cancel.mutate({ id: "held" })).toEqual({
      id: HELD_ID,
      stopped: 4,
      status: "cancelled",
      cancelled: true,
    });
    await served!.close();
    expect(await answers(served!.path)).toBe(false);
    // a request after the holder ended is said as such, by its code
    const gone = await api.sweeps.list.query({}).catch((e: unknown) => apiError(e, undefined));
    expect(codeOf(gone)).toBe(STORE_HOLDER_GONE_CODE);
    // this request never reached the holder (its kept-alive connection was closed: EPIPE)
    expect(holderGoneUnasked(gone)).toBe(true);
    // but this API's earlier requests were answered there: a command that made them is not run again (withApi)
    expect(holderAnswered(api)).toBe(true);
    expect(holderAnswered(socketApi(served!.path))).toBe(false);
    // a connection cut while the holder answered may have done something there: not run again
    const cut = new UnavailableError(STORE_HOLDER_GONE_CODE, "cut", {
      cause: Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }),
    });
    expect(holderGoneUnasked(cut)).toBe(false);
    expect(holderGoneUnasked(refused)).toBe(false);
  });

  it("answers the request in flight before it closes, then closes without waiting out kept-alive connections", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tailsweep-socket-"));
    const store = await storeWithSweep();
    let load!: () => void;
    const loading = new Promise<void>((resolve) => {
      load = resolve;
    });
    let arrive!: () => void;
    const arrived = new Promise<void>((resolve) => {
      arrive = resolve;
    });
    // the first request waits for the API to load: it is in flight while the holder closes
    const served = await serveStoreSocket(
      dir,
      async () => {
        await loading;
        return { store, caller: LOCAL_CALLER };
      },
      () => arrive(),
    );
    const listed = socketApi(served!.path).sweeps.list.query({});
    await arrived;
    const closing = served!.close();
    load();
    expect((await listed).map((s) => s.name)).toEqual(["held"]);
    const answered = Date.now();
    await closing;
    // not the grace (3 s) nor a kept-alive connection's timeout (5 s)
    expect(Date.now() - answered).toBeLessThan(1_000);
    expect(await answers(served!.path)).toBe(false);
  });

  it("replaces a socket file a dead holder left, and serves none where the folder's path is too long for one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tailsweep-socket-"));
    mkdirSync(join(dir, "socket"), { mode: 0o755 });
    writeFileSync(join(dir, "socket", "api.sock"), "");
    expect(await answers(join(dir, "socket", "api.sock"))).toBe(false);
    const served = await serveStoreSocket(dir, async () => ({
      store: await storeWithSweep(),
      caller: LOCAL_CALLER,
    }));
    expect(await answers(served!.path)).toBe(true);
    expect(statSync(join(dir, "socket")).mode & 0o777).toBe(0o700);
    await served!.close();
    const deep = join(dir, "x".repeat(120));
    expect(storeSocketPath(deep)).toBeUndefined();
    expect(
      await serveStoreSocket(deep, async () => ({ store: await storeWithSweep(), caller: LOCAL_CALLER })),
    ).toBeUndefined();
  });
});
