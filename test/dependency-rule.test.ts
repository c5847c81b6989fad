/**
 * DESIGN.md's dependency rule, checked in two halves.
 *
 * 1. The manifests: a package may depend only on packages of a lower layer, and TensorFlow.js, Prisma and NATS
 *    only where named (LAYER, OWNERS).
 * 2. The imports. The root package.json lists every workspace package (for test/ and bench/), and pnpm links them
 *    at the root's node_modules, where Node's lookup finds them from any package: an import its own package.json
 *    does not declare still resolves here and breaks only elsewhere, and it slips past half 1. So every import
 *    specifier in the source files is read (TypeScript's parser: static `import`/`export … from`,
 *    `import x = require()`, `import("…")` and `require("…")`/`require.resolve("…")` with a literal, and
 *    `typeof import("…")` types) and its package (`@scope/pkg/sub` → `@scope/pkg`, `pkg/sub` → `pkg`) must be
 *    declared by the package.json of the package the file lies in:
 *    - files under `src/` or `bin/` of apps/* and packages/* that are not tests (`*.test.ts`, `*.test.tsx`)
 *      ship, so they may use only `dependencies` and `peerDependencies`. Test helpers without `.test.` in their
 *      name ship too; a `./testing` entry (a conformance suite) that needs vitest declares it as an optional
 *      peer, since it must run in its caller's vitest, and as a devDependency for the package's own tests;
 *    - tests, a package's tooling outside `src/` and `bin/` (scripts/, *.config.ts), and the root's own code
 *      (test/, bench/, scripts/, configs: against the root package.json) may also use `devDependencies`.
 *    Type-only imports count: the types must resolve from the package too. Node builtins, relative paths and a
 *    package's imports of itself are fine. Generated code (`generated/`), build output and node_modules are not
 *    read. A computed specifier (`requireHere(\`${pkg}/package.json\`)`) cannot be checked.
 * With half 2, what a file imports is in its manifest, so half 1 holds for the imports too.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";

/** DESIGN.md's layering: a package may import only packages of a lower layer. */
const LAYER: Record<string, number> = {
  "@tailsweep/schemas": 0,
  "@tailsweep/random": 0,
  "@tailsweep/access": 1,
  "@tailsweep/model": 1,
  "@tailsweep/data": 1,
  "@tailsweep/sweep": 1,
  "@tailsweep/stats": 1,
  "@tailsweep/charts": 1,
  "@tailsweep/db": 2,
  "@tailsweep/bus": 2,
  "@tailsweep/analysis": 2,
  "@tailsweep/api": 3,
};
/** Apps sit above every package; the CLI sits above the apps it runs (controller, worker, web). */
const APP_LAYER = 4;
const CLI_LAYER = 5;

/** Third-party libraries only one package (and named apps) may depend on. */
const OWNERS: { prefix: string; allowed: string[] }[] = [
  { prefix: "@tensorflow/", allowed: ["@tailsweep/model", "@tailsweep/worker"] },
  { prefix: "@prisma/", allowed: ["@tailsweep/db"] },
  { prefix: "prisma", allowed: ["@tailsweep/db"] },
  { prefix: "@nats-io/", allowed: ["@tailsweep/bus"] },
];

const ROOT = join(__dirname, "..");

interface Manifest {
  name: string;
  /** Relative to the workspace root, with forward slashes: `packages/db`. */
  dir: string;
  deps: string[];
  /** What shipped code may import: dependencies and peerDependencies. */
  runtime: Set<string>;
  devDeps: Set<string>;
}

function readManifest(root: string, dir: string): Manifest | undefined {
  let pkg: { name: string; dependencies?: object; devDependencies?: object; peerDependencies?: object };
  try {
    pkg = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"));
  } catch {
    return undefined;
  }
  const runtime = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies });
  const devDeps = Object.keys({ ...pkg.devDependencies });
  return {
    name: pkg.name,
    dir,
    deps: [...new Set([...runtime, ...devDeps])],
    runtime: new Set(runtime),
    devDeps: new Set(devDeps),
  };
}

/** The workspace packages (not the root). */
function manifests(root: string = ROOT): Manifest[] {
  return ["apps", "packages"].flatMap((group) => {
    let names: string[];
    try {
      names = readdirSync(join(root, group), { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    } catch {
      return [];
    }
    return names.flatMap((name) => readManifest(root, `${group}/${name}`) ?? []);
  });
}

const layerOf = (m: Manifest) =>
  m.name === "@tailsweep/cli" ? CLI_LAYER : m.dir.startsWith("apps/") ? APP_LAYER : LAYER[m.name];

const SOURCE = /\.(ts|tsx|mts|cts|mjs|cjs|js|jsx)$/;
const TEST = /\.test\.(ts|tsx|mts|cts|mjs|cjs|js|jsx)$/;
/** Not hand-written (Prisma's client, Next's build) or not ours. */
const SKIP_DIRS = new Set(["node_modules", "generated", "dist", ".next"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    if (d.isDirectory()) return SKIP_DIRS.has(d.name) ? [] : sourceFiles(join(dir, d.name));
    return d.isFile() && SOURCE.test(d.name) ? [join(dir, d.name)] : [];
  });
}

/** Every module specifier a file names as a string literal, with its 1-based line. */
function importSpecifiers(fileName: string, text: string): { specifier: string; line: number }[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const found: { specifier: string; line: number }[] = [];
  const add = (node: ts.Node | undefined) => {
    if (node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))) {
      found.push({
        specifier: node.text,
        line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1,
      });
    }
  };
  const isRequire = (callee: ts.Expression) =>
    (ts.isIdentifier(callee) && callee.text === "require") ||
    (ts.isPropertyAccessExpression(callee) &&
      ts.isIdentifier(callee.expression) &&
      callee.expression.text === "require" &&
      callee.name.text === "resolve");
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference))
      add(node.moduleReference.expression);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal);
    else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword || isRequire(node.expression))
    )
      add(node.arguments[0]);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** The package a specifier names, or undefined for a builtin or a path. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("/") || isBuiltin(specifier)) return undefined;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** `file:line imports pkg, …` for each import its package.json does not declare where the file may use it. */
function undeclaredImports(root: string = ROOT): string[] {
  const scopes = manifests(root).map((m) => ({ m, files: sourceFiles(join(root, m.dir)) }));
  // The root's own code (test/, bench/, scripts/, configs) answers to the root package.json; never shipped.
  const top = readManifest(root, ".");
  if (top) {
    const files = readdirSync(root, { withFileTypes: true }).flatMap((d) => {
      if (d.isDirectory())
        return ["test", "bench", "scripts"].includes(d.name) ? sourceFiles(join(root, d.name)) : [];
      return d.isFile() && SOURCE.test(d.name) ? [join(root, d.name)] : [];
    });
    scopes.push({ m: top, files });
  }
  const problems: string[] = [];
  for (const { m, files } of scopes) {
    const pkgDir = join(root, m.dir);
    const manifest = join(m.dir, "package.json").split(sep).join("/");
    // Sorted so that the report reads the same on every file system.
    for (const file of files.sort()) {
      const inPkg = relative(pkgDir, file).split(sep).join("/");
      const ships = m !== top && /^(src|bin)\//.test(inPkg) && !TEST.test(inPkg);
      const where = relative(root, file).split(sep).join("/");
      for (const { specifier, line } of importSpecifiers(file, readFileSync(file, "utf8"))) {
        const pkg = packageOf(specifier);
        if (pkg === undefined || pkg === m.name || m.runtime.has(pkg)) continue;
        if (!m.devDeps.has(pkg)) {
          problems.push(`${where}:${line} imports ${pkg}, which ${manifest} does not declare`);
        } else if (ships) {
          problems.push(
            `${where}:${line} imports ${pkg}, a devDependency of ${m.name}: shipped code needs it in dependencies or peerDependencies`,
          );
        }
      }
    }
  }
  return problems;
}

describe("dependency rule (DESIGN.md)", () => {
  const all = manifests();

  it("knows every workspace package's layer", () => {
    expect(all.length).toBeGreaterThanOrEqual(4);
    for (const m of all) expect(layerOf(m), `${m.dir} (${m.name}) has no layer in DESIGN.md`).toBeDefined();
  });

  it.each(all.map((m) => [m.name, m] as const))("%s imports only lower layers", (_, m) => {
    for (const dep of m.deps.filter((d) => d.startsWith("@tailsweep/"))) {
      const target = LAYER[dep] ?? (dep === "@tailsweep/cli" ? CLI_LAYER : APP_LAYER);
      expect(
        target,
        `${m.name} (layer ${layerOf(m)}) must not depend on ${dep} (layer ${target})`,
      ).toBeLessThan(layerOf(m)!);
    }
  });

  it.each(all.map((m) => [m.name, m] as const))(
    "%s uses TensorFlow.js, Prisma and NATS only where allowed",
    (_, m) => {
      for (const dep of m.deps) {
        for (const { prefix, allowed } of OWNERS) {
          if (dep.startsWith(prefix))
            expect(allowed, `${m.name} must not depend on ${dep}`).toContain(m.name);
        }
      }
    },
  );

  it("every package imports only what its package.json declares", () => {
    expect(undeclaredImports()).toEqual([]);
  });
});

describe("the import scan", () => {
  const root = mkdtempSync(join(tmpdir(), "tailsweep-deps-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };

  it("names each undeclared import of a fake package, by file and line", () => {
    write(
      "packages/fake/package.json",
      JSON.stringify({
        name: "@tailsweep/fake",
        dependencies: { zod: "1", "@tailsweep/schemas": "workspace:*" },
        peerDependencies: { react: "19" },
        devDependencies: { vitest: "3", tsx: "4" },
      }),
    );
    write(
      "packages/fake/src/index.ts",
      [
        'import { z } from "zod/mini";',
        'import { readFileSync } from "node:fs";',
        'import { join } from "path";',
        'import { local } from "./local";',
        'import type { Sweep } from "@tailsweep/schemas";',
        'import { self } from "@tailsweep/fake/sub";',
        'import type { Row } from "@tailsweep/db/rows";',
        'export * from "left-pad";',
        'import { useState } from "react";',
        'import { expect } from "vitest";',
        "const dyn = await import(`chalk`);",
        'const req = require("lodash/fp");',
        'type Cfg = typeof import("yaml");',
        "const computed = await import(name);",
      ].join("\n"),
    );
    write("packages/fake/src/index.test.ts", 'import { it } from "vitest";\nimport "undeclared-in-test";\n');
    write("packages/fake/scripts/build.ts", 'import "tsx";\nimport "esbuild";\n');
    write("packages/fake/src/generated/client.ts", 'import "not-ours";\n');
    write("apps/tool/package.json", JSON.stringify({ name: "@tailsweep/tool" }));
    write("apps/tool/bin/tool.mjs", 'import "commander";\n');
    write("package.json", JSON.stringify({ name: "fake-root", devDependencies: { vitest: "3" } }));
    write("vitest.config.ts", 'import { defineConfig } from "vitest/config";\n');
    write("test/e2e.test.ts", 'import { it } from "vitest";\nimport { z } from "zod";\n');

    // apps, packages, then the root; files by path, then by line.
    expect(undeclaredImports(root)).toEqual([
      "apps/tool/bin/tool.mjs:1 imports commander, which apps/tool/package.json does not declare",
      "packages/fake/scripts/build.ts:2 imports esbuild, which packages/fake/package.json does not declare",
      "packages/fake/src/index.test.ts:2 imports undeclared-in-test, which packages/fake/package.json does not declare",
      "packages/fake/src/index.ts:7 imports @tailsweep/db, which packages/fake/package.json does not declare",
      "packages/fake/src/index.ts:8 imports left-pad, which packages/fake/package.json does not declare",
      "packages/fake/src/index.ts:10 imports vitest, a devDependency of @tailsweep/fake: shipped code needs it in dependencies or peerDependencies",
      "packages/fake/src/index.ts:11 imports chalk, which packages/fake/package.json does not declare",
      "packages/fake/src/index.ts:12 imports lodash, which packages/fake/package.json does not declare",
      "packages/fake/src/index.ts:13 imports yaml, which packages/fake/package.json does not declare",
      "test/e2e.test.ts:2 imports zod, which package.json does not declare",
    ]);
  });
});
