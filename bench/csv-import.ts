// CSV import: the user-data reader (readModalityFile, csv-parse streamed over a read stream) on a large generated
// CSV — time, throughput and peak memory, and the ratio of peak memory growth to the file's size. Each measurement
// runs in a fresh child process, so its peak resident set (getrusage's maxRSS) is its own: the streamed import with
// the row count known up front (as loadUserData passes the labels' count), the same with the count unknown (the
// matrix grows by doubling), and as the peer the least a reader holding the whole file as one string would need
// (readFile + toString, no parsing at all).
// Usage: node --import tsx bench/csv-import.ts [--rows 200000] [--cols 64] [--keep]
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readModalityFile } from "@tailsweep/data";

type Mode = "streamed" | "streamed-unknown-rows" | "whole-string";
interface Measurement {
  mode: Mode;
  seconds: number;
  /** Resident set before the work, after a GC. */
  rssBefore: number;
  /** Peak resident set of the process (maxRSS), bytes. */
  rssPeak: number;
  /** Largest heap + array-buffer use sampled while it ran (every 5 ms), minus the same before. */
  heapGrowth: number;
  rows: number;
}

const MiB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

async function child(mode: Mode, file: string, rows: number, cols: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const used = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const heapBefore = used();
  const rssBefore = process.memoryUsage().rss;
  let heapPeak = heapBefore;
  const sampler = setInterval(() => {
    heapPeak = Math.max(heapPeak, used());
  }, 5);
  const start = performance.now();
  let read = 0;
  if (mode === "whole-string") {
    const text = (await readFile(file)).toString("utf8");
    read = text.length > 0 ? rows : 0;
  } else {
    const result = await readModalityFile(file, cols, mode === "streamed" ? { expectedRows: rows } : {});
    read = result.rows;
  }
  heapPeak = Math.max(heapPeak, used());
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);
  const measurement: Measurement = {
    mode,
    seconds,
    rssBefore,
    rssPeak: process.resourceUsage().maxRSS * 1024,
    heapGrowth: heapPeak - heapBefore,
    rows: read,
  };
  process.stdout.write(`${JSON.stringify(measurement)}\n`);
}

/** Writes rows × cols values like np.savetxt's "%.9g", through a stream so that the generator stays small. */
async function generate(file: string, rows: number, cols: number): Promise<void> {
  const out = createWriteStream(file);
  let seed = 42;
  const next = () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  for (let r = 0; r < rows; r++) {
    const cells = new Array<string>(cols);
    for (let k = 0; k < cols; k++) cells[k] = Math.fround((next() - 0.5) * 20).toPrecision(9);
    if (!out.write(`${cells.join(",")}\r\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: "string", default: "200000" },
      cols: { type: "string", default: "64" },
      keep: { type: "boolean", default: false },
      child: { type: "string" },
      file: { type: "string" },
    },
  });
  const rows = Number(values.rows);
  const cols = Number(values.cols);
  if (values.child) return child(values.child as Mode, values.file!, rows, cols);

  const dir = await mkdtemp(join(tmpdir(), "tailsweep-csv-bench-"));
  const file = join(dir, "modality.csv");
  try {
    await generate(file, rows, cols);
    const size = (await stat(file)).size;
    const matrix = rows * cols * 4;
    console.log(
      `file: ${rows} rows × ${cols} columns, ${mib(size)} (CRLF, %.9g); float32 matrix ${mib(matrix)}`,
    );
    const run = (mode: Mode): Measurement => {
      const args = [
        ...process.execArgv,
        "--expose-gc",
        process.argv[1]!,
        `--child=${mode}`,
        `--file=${file}`,
        `--rows=${rows}`,
        `--cols=${cols}`,
      ];
      const out = execFileSync(process.execPath, args, { encoding: "utf8", maxBuffer: 16 * MiB });
      return JSON.parse(out.trim().split("\n").at(-1)!) as Measurement;
    };
    const results = (["streamed", "streamed-unknown-rows", "whole-string"] as const).map(run);
    for (const m of results) {
      if (m.rows !== rows) throw new Error(`${m.mode}: read ${m.rows} rows, expected ${rows}`);
      const growth = Math.max(0, m.rssPeak - m.rssBefore);
      console.log(
        `${m.mode.padEnd(22)} ${m.seconds.toFixed(2)} s (${(size / MiB / m.seconds).toFixed(0)} MiB/s); ` +
          `peak RSS ${mib(m.rssPeak)} (+${mib(growth)} over ${mib(m.rssBefore)} at start), ` +
          `heap+buffers +${mib(m.heapGrowth)}; peak growth / file size = ${(growth / size).toFixed(2)}`,
      );
    }
    const [streamed, , whole] = results as [Measurement, Measurement, Measurement];
    const growth = (m: Measurement) => Math.max(1, m.rssPeak - m.rssBefore);
    console.log(
      `ratio: streamed import peak growth / file size = ${(growth(streamed) / size).toFixed(2)} ` +
        `(the matrix alone is ${(matrix / size).toFixed(2)}); / holding the file as one string = ` +
        `${(growth(streamed) / growth(whole)).toFixed(2)}`,
    );
  } finally {
    if (values.keep) console.log(`kept ${file}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

await main();
