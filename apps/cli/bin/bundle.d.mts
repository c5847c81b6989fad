// Types of bundle.mjs for TypeScript callers (bench/train-vs-pytorch.ts builds its side with the CLI's options).
import type { BuildOptions } from "esbuild";

/** The CLI bundle's entry URL when current; null when its last build failed and nothing changed; else undefined. */
export function currentBundle(): string | null | undefined;
/** Builds the CLI bundle and makes it current; undefined when another process is building one. */
export function buildBundle(): Promise<string | undefined>;
/** esbuild's options for a bundle of the workspace's code, as the CLI's (see bundle.mjs). */
export function workspaceBundleOptions(options: {
  entryPoints: Record<string, string>;
  outdir: string;
  read?: Set<string>;
}): BuildOptions;
