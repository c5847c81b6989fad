import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** DESIGN.md's layering: a package may import only packages of a lower layer. */
const LAYER: Record<string, number> = {
  "@tailsweep/schemas": 0,
  "@tailsweep/access": 1,
  "@tailsweep/model": 1,
  "@tailsweep/data": 1,
  "@tailsweep/sweep": 1,
  "@tailsweep/stats": 1,
  "@tailsweep/charts": 1,
  "@tailsweep/db": 2,
  "@tailsweep/bus": 2,
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

interface Manifest {
  name: string;
  dir: string;
  deps: string[];
}

function manifests(): Manifest[] {
  const root = join(__dirname, "..");
  return ["apps", "packages"].flatMap((group) =>
    readdirSync(join(root, group), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((d) => {
        try {
          const pkg = JSON.parse(readFileSync(join(root, group, d.name, "package.json"), "utf8"));
          const deps = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies, ...pkg.peerDependencies });
          return [{ name: pkg.name as string, dir: `${group}/${d.name}`, deps }];
        } catch {
          return [];
        }
      }),
  );
}

const layerOf = (m: Manifest) =>
  m.name === "@tailsweep/cli" ? CLI_LAYER : m.dir.startsWith("apps/") ? APP_LAYER : LAYER[m.name];

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
});
