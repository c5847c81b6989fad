import { describe, expect, it, vi } from "vitest";

// loadMnist counted, the real one underneath: the preloaded sources are what the next loadDataset builds from.
const reads = vi.hoisted(() => ({ mnist: 0 }));
vi.mock("./mnist", async (importOriginal) => {
  const real = await importOriginal<typeof import("./mnist")>();
  return {
    ...real,
    loadMnist: (...args: Parameters<typeof real.loadMnist>) => {
      reads.mnist++;
      return real.loadMnist(...args);
    },
  };
});

const { clearSourceMemo, loadDataset, preloadDatasetSources } = await import("./load-dataset");

describe("preloadDatasetSources", () => {
  it("reads a recipe's sources once, and loadDataset then builds from them without reading again", async () => {
    clearSourceMemo();
    const recipe = { name: "mnist-2view", headCount: 200, testPerClass: 20 } as const;
    // Two threads' worth at once, and a trial that asks while the reading is under way: one reading.
    await Promise.all([preloadDatasetSources(recipe), preloadDatasetSources(recipe), loadDataset(recipe)]);
    expect(reads.mnist).toBe(1);
    const data = await loadDataset({ ...recipe, labelRatio: 0.3 });
    expect(data.labeled.n).toBeGreaterThan(0);
    expect(reads.mnist).toBe(1);
    clearSourceMemo();
    await loadDataset(recipe);
    expect(reads.mnist).toBe(2);
  });

  it("reads nothing for a user data file (re-read at each use anyway) and refuses a bad recipe", async () => {
    const before = reads.mnist;
    await preloadDatasetSources({ name: "user", path: "/nonexistent/data.csv" });
    expect(reads.mnist).toBe(before);
    await expect(preloadDatasetSources({ name: "mnist-2view", labelRatio: 2 })).rejects.toThrow(/labelRatio/);
  });
});
