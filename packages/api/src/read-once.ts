import type { RunStore } from "@tailsweep/sweep";

/**
 * What each of the store's methods is to a page render, by name, for every method (the type makes a new one be
 * classified): `cached`, read once and shared — what a page reads several times over (one per procedure it calls);
 * `read`, a read that goes through each time and keeps what was cached (epochs and single trials are read once by
 * the one view that shows them); `write`, which goes through and forgets what was read.
 */
const ROLE: Record<keyof RunStore, "cached" | "read" | "write"> = {
  getSweep: "cached",
  listSweeps: "cached",
  listTrials: "cached",
  listResults: "cached",
  listWorkers: "cached",
  listRevisions: "cached",
  getTrial: "read",
  countTrials: "read",
  listEpochs: "read",
  epochCurves: "read",
  getResult: "read",
  createSweep: "write",
  importSweep: "write",
  claimTrial: "write",
  heartbeat: "write",
  recordEpoch: "write",
  recordEpochs: "write",
  completeTrial: "write",
  failTrial: "write",
  requeueStale: "write",
  recordWorker: "write",
  cancelSweep: "write",
  reviseSweep: "write",
  setSweepAnnotations: "write",
  setTrialAnnotations: "write",
  setLookPending: "write",
  retryTrials: "write",
  resumeSweep: "write",
  deleteSweep: "write",
};
const known = (name: string | symbol): name is keyof RunStore =>
  typeof name === "string" && Object.hasOwn(ROLE, name);
/** A method it does not know is taken for a write: forgetting costs a read, keeping could show stale data. */
const roleOf = (name: string | symbol) => (known(name) ? ROLE[name] : "write");

/**
 * A view of `store` that reads each of a sweep's trials, results and the like once: the first call of a read with
 * given arguments goes to the store, later ones share its answer. For one page render, where the progress, the
 * comparison, the heatmap and the per-class views each read the same sweep (four reads of every result become
 * one). Writes go straight through and forget what was read; other reads go through and keep it (they used to clear
 * it too, so the sweep page, whose every view also reads the sweep's revisions, read every trial and result six
 * times). Never keep one across requests: it does not see others' writes.
 */
export function readOnce(store: RunStore): RunStore {
  const cache = new Map<string, Promise<unknown>>();
  return new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== "function") return value;
      const role = roleOf(name);
      if (role === "read") return value.bind(target);
      if (role === "write")
        return (...args: unknown[]) => {
          cache.clear();
          return value.apply(target, args);
        };
      return (...args: unknown[]) => {
        const key = `${String(name)}\u0000${JSON.stringify(args)}`;
        let answer = cache.get(key);
        if (!answer) {
          answer = value.apply(target, args) as Promise<unknown>;
          // a failed read is not remembered: the next caller tries again
          answer.catch(() => cache.delete(key));
          cache.set(key, answer);
        }
        return answer;
      };
    },
  });
}
