import { type DatasetRecipeInput, DatasetRecipeSchema, type MultimodalDataset } from "@tailsweep/schemas";
import { z } from "zod";
import { buildMnistFashion, buildMnistTwoView, type ResolvedRecipe } from "./benchmarks";
import { resolveCacheDir } from "./cache-dir";
import { loadFashionMnist } from "./fashion-mnist";
import type { ImageDataset } from "./image-set";
import { loadMnist } from "./mnist";
import { buildUserDataset } from "./user-dataset";
import { loadUserData } from "./user-import";

/** Options of {@link loadDataset}. */
export interface LoadDatasetOptions {
  /** Seed used when the recipe has none (the trainer passes the trial seed); default 0. */
  seed?: number;
  /** Cache folder for parsed sources (default: $TAILSWEEP_CACHE_DIR, else `<repo>/.tailsweep/cache/data`). */
  cacheDir?: string;
}

const LoadDatasetOptionsSchema = z
  .object({ seed: z.number().int().min(0).optional(), cacheDir: z.string().min(1).optional() })
  .strict();

/** Parses a recipe and fixes its seed: recipe.seed wins, else options.seed, else 0. */
export function resolveDatasetRecipe(
  recipe: DatasetRecipeInput,
  options: LoadDatasetOptions = {},
): ResolvedRecipe {
  const parsedOptions = LoadDatasetOptionsSchema.parse(options);
  const parsed = DatasetRecipeSchema.parse(recipe);
  return { ...parsed, seed: parsed.seed ?? parsedOptions.seed ?? 0 };
}

// Sources are immutable once read, and a trainer builds one data set per trial in the same process:
// memoising the uint8 sources (≈55 MB each) saves the re-read without ever holding float copies.
const sourceMemo = new Map<string, Promise<ImageDataset>>();

function memoised(key: string, load: () => Promise<ImageDataset>): Promise<ImageDataset> {
  let pending = sourceMemo.get(key);
  if (!pending) {
    pending = load();
    sourceMemo.set(key, pending);
    pending.catch(() => sourceMemo.delete(key));
  }
  return pending;
}

const mnistSource = () => memoised("mnist", () => loadMnist());
const fashionSource = (cacheDir: string) =>
  memoised(`fashion-mnist:${cacheDir}`, () => loadFashionMnist({ cacheDir }));

/**
 * Reads and keeps the sources a recipe's data set is built from (the images, not the data set: that depends on the
 * trial's seed), so that a later {@link loadDataset} of it finds them in memory. A trainer calls it while it waits
 * for its first trial; a user data file is re-read each time anyway, so it reads nothing for one.
 */
export async function preloadDatasetSources(recipe: DatasetRecipeInput, cacheDir?: string): Promise<void> {
  const resolved = resolveDatasetRecipe(recipe, cacheDir === undefined ? {} : { cacheDir });
  // The sources loadDataset's cases read, name by name; a new kind of data set must say here what it reads.
  switch (resolved.name) {
    case "mnist-2view":
      await mnistSource();
      return;
    case "mnist-fashion":
      await Promise.all([mnistSource(), fashionSource(resolveCacheDir(cacheDir))]);
      return;
    case "user":
      return;
    default:
      resolved.name satisfies never;
  }
}

/** Forgets the sources {@link loadDataset} keeps in memory (frees ≈110 MB once both are loaded). */
export function clearSourceMemo(): void {
  sourceMemo.clear();
}

/**
 * Builds the semi-supervised, long-tailed multimodal data set a recipe describes (docs/data.md). Reads local
 * files only, never the network. Deterministic: the same recipe and seed give identical arrays.
 */
export async function loadDataset(
  recipe: DatasetRecipeInput,
  options: LoadDatasetOptions = {},
): Promise<MultimodalDataset> {
  const resolved = resolveDatasetRecipe(recipe, options);
  switch (resolved.name) {
    case "mnist-2view": {
      return buildMnistTwoView(await mnistSource(), resolved);
    }
    case "mnist-fashion": {
      const cacheDir = resolveCacheDir(options.cacheDir);
      const [mnist, fashion] = await Promise.all([mnistSource(), fashionSource(cacheDir)]);
      return buildMnistFashion(mnist, fashion, resolved);
    }
    case "user": {
      // The schema guarantees path for "user"; user files are re-read each time since they may change.
      const data = await loadUserData(resolved.path!);
      return buildUserDataset(data, resolved);
    }
  }
}
