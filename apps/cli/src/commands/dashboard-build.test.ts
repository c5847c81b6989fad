import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { staleBuildReason } from "./dashboard-build";

/** A checkout's layout: apps/web with its build, and a workspace package, every file dated `at` (seconds). */
function checkout(at: number) {
  const root = mkdtempSync(join(tmpdir(), "tailsweep-build-"));
  const web = join(root, "apps", "web");
  const packages = join(root, "packages");
  const files = [
    join(web, "src", "app", "page.tsx"),
    join(web, "node_modules", "next", "index.js"),
    join(web, "next-env.d.ts"),
    join(packages, "schemas", "src", "sweep.ts"),
    join(packages, "schemas", "node_modules", "zod", "index.js"),
  ];
  for (const file of files) {
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(file, "");
    utimesSync(file, at, at);
  }
  return { root, web, packages };
}

const build = (web: string, at: number) => {
  mkdirSync(join(web, ".next"), { recursive: true });
  writeFileSync(join(web, ".next", "BUILD_ID"), "x");
  utimesSync(join(web, ".next", "BUILD_ID"), at, at);
};

describe("staleBuildReason", () => {
  it("asks for a build where there is none, and none where the build is newer than every source", () => {
    const { web, packages } = checkout(1000);
    expect(staleBuildReason(web, packages)).toBe("no build yet");
    build(web, 2000);
    expect(staleBuildReason(web, packages)).toBeUndefined();
  });

  it("names the dashboard's or a bundled package's source changed since, and not installed packages or Next's own files", () => {
    const { web, packages } = checkout(1000);
    build(web, 2000);
    for (const written of [
      join(web, "node_modules", "next", "index.js"),
      join(web, "next-env.d.ts"),
      join(packages, "schemas", "node_modules", "zod", "index.js"),
    ])
      utimesSync(written, 3000, 3000);
    expect(staleBuildReason(web, packages)).toBeUndefined();
    utimesSync(join(packages, "schemas", "src", "sweep.ts"), 3000, 3000);
    expect(staleBuildReason(web, packages)).toBe(
      "packages/schemas/src/sweep.ts changed since the last build",
    );
    build(web, 4000);
    utimesSync(join(web, "src", "app", "page.tsx"), 5000, 5000);
    expect(staleBuildReason(web, packages)).toBe("apps/web/src/app/page.tsx changed since the last build");
  });
});
