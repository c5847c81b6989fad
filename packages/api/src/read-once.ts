import type { RunStore } from "@tailsweep/sweep";

/** The reads a page makes several times over (one per procedure it calls): sweeps, trials, results, workers. */
const READS = ["getSweep", "listSweeps", "listTrials", "listResults", "listWorkers"] as const;

/**
 * A view of `store` that reads each of a sweep's trials, results and the like once: the first call of a read with
 * given arguments goes to the store, later ones share its answer. For one page render, where the progress, the
 * comparison, the heatmap and the per-class views each read the same sweep (four reads of every result become
 * one). Writes go straight through and forget what was read. Never keep one across requests: it does not see
 * others' writes.
 */
export function readOnce(store: RunStore): RunStore {
  const cache = new Map<string, Promise<unknown>>();
  return new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== "function") return value;
      if (!(READS as readonly (string | symbol)[]).includes(name))
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
