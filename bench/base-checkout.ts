// What the benches that measure this checkout against an older commit share (quick-sweep.ts, dashboard-training.ts):
// their options parsed once with one message naming every bad one, and the older commit checked out into a temporary
// git worktree and installed from the local pnpm store (offline), removed again at the end.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

/** The command-line options every before/after bench takes (node:util's parseArgs), with its own defaults. */
export function beforeAfterArgs(defaults: { base: string; rounds: number }) {
  return {
    base: { type: "string", default: defaults.base },
    rounds: { type: "string", default: String(defaults.rounds) },
    "max-load": { type: "string", default: "1" },
    "max-foreign": { type: "string", default: "0.1" },
    keep: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  } as const;
}

/** Those options' checks: a ref, 1–20 rounds, the load bounds under which a ratio is printed. */
export const beforeAfterSchema = {
  base: z.string().regex(/^[0-9a-f]{7,40}$|^[\w./-]+$/, "a commit or ref"),
  rounds: z.number().int().min(1).max(20),
  maxLoad: z.number().positive(),
  maxForeign: z.number().positive().max(1),
};

/** Those options as parseArgs gave them, for beforeAfterSchema. */
export function beforeAfterValues(values: {
  base: string;
  rounds: string;
  "max-load": string;
  "max-foreign": string;
}) {
  return {
    base: values.base,
    rounds: Number(values.rounds),
    maxLoad: Number(values["max-load"]),
    maxForeign: Number(values["max-foreign"]),
  };
}

/**
 * Why a before/after ratio is not to be printed ("" when it is): the 1-minute load before the bench above `maxLoad`,
 * or other processes' share of the CPU time during it (bench/cpu-load.ts) above `maxForeign`.
 */
export function withheldBecause(
  bounds: { maxLoad: number; maxForeign: number },
  loadBefore: number,
  foreign: number,
): string {
  return [
    ...(loadBefore > bounds.maxLoad
      ? [`1-min load before the bench ${loadBefore.toFixed(2)} > ${bounds.maxLoad}`]
      : []),
    ...(foreign > bounds.maxForeign
      ? [
          `other processes took ${(100 * foreign).toFixed(0)} % of the CPU time (> ${100 * bounds.maxForeign} %)`,
        ]
      : []),
  ].join("; ");
}

/** The options parsed by `schema`, or every bad one said on stderr (as its flag) and the process ended with exit code 2. */
export function benchOptions<T extends z.ZodTypeAny>(bench: string, schema: T, raw: unknown): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const flag = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  process.stderr.write(
    `${bench}: ${parsed.error.issues.map((i) => `${flag(String(i.path[0]))}: ${i.message}`).join("; ")}\n`,
  );
  process.exit(2);
}

/** This checkout and an older commit of it, side by side: the two sides of a before/after bench. */
export interface BaseCheckout {
  /** The bench's temporary folder (the worktree is its `old`). */
  work: string;
  baseCommit: string;
  headCommit: string;
  /** Whether this checkout has uncommitted changes to tracked files. */
  dirty: boolean;
  /** The base first, then this checkout: a name to print and the folder to run in. */
  sides: [{ name: string; root: string }, { name: string; root: string }];
  /** Checks the base out and installs it offline (minutes). */
  install(): void;
  /** Removes the worktree, and the temporary folder unless `keep`; never throws (it runs on the way out). */
  remove(keep: boolean): void;
}

/** Names the two sides of a bench called `bench` against `base`, in a new temporary folder; nothing is checked out. */
export function baseCheckout(bench: string, base: string): BaseCheckout {
  const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
  const git = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8" }).trim();
  const work = mkdtempSync(join(tmpdir(), `bench-${bench}-`));
  const old = join(work, "old");
  const baseCommit = git("rev-parse", "--short", base);
  const headCommit = git("rev-parse", "--short", "HEAD");
  const dirty = git("status", "--porcelain", "--untracked-files=no") !== "";
  return {
    work,
    baseCommit,
    headCommit,
    dirty,
    sides: [
      { name: `base ${baseCommit}`, root: old },
      { name: `this checkout (${headCommit}${dirty ? ", with uncommitted changes" : ""})`, root: repo },
    ],
    install() {
      git("worktree", "add", "--detach", old, baseCommit);
      execFileSync("pnpm", ["install", "--offline", "--frozen-lockfile"], { cwd: old, stdio: "ignore" });
    },
    remove(keep) {
      // each step on its own: one that fails must not leave the other undone
      try {
        if (existsSync(old)) git("worktree", "remove", "--force", old);
      } catch (e) {
        process.stderr.write(`could not remove the worktree ${old}: ${String(e)}\n`);
      }
      if (!keep) rmSync(work, { recursive: true, force: true });
    },
  };
}
