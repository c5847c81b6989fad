// What the benches that measure this checkout against an older commit share (quick-sweep.ts, dashboard-training.ts):
// their options parsed once with one message naming every bad one, and the older commit checked out into a temporary
// git worktree and installed from the local pnpm store (offline), removed again at the end.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { z } from "zod";

/** The options parsed by `schema`, or every bad one said on stderr and the process ended with exit code 2. */
export function benchOptions<T extends z.ZodTypeAny>(bench: string, schema: T, raw: unknown): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  process.stderr.write(
    `${bench}: ${parsed.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join("; ")}\n`,
  );
  process.exit(2);
}

/** A ref the option `--base` may name. */
export const BASE_REF = /^[0-9a-f]{7,40}$|^[\w./-]+$/;

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
