import { readFileSync } from "node:fs";
import { loadDataset } from "@tailsweep/data";
import { initBackend, trainModel } from "@tailsweep/model";
import { parseSweepFile } from "@tailsweep/schemas";
import { expandSweep } from "@tailsweep/sweep";
import { parse } from "yaml";

const n = Number(process.argv[2] ?? 5);
const quick = parse(readFileSync("examples/quick.yaml", "utf8"));
const spec = parseSweepFile({ ...quick, search: {}, seeds: n });
const plans = expandSweep(spec);
const backend = await initBackend();
console.error("backend", backend.name, backend.detail);
for (const p of plans) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const dataset = await loadDataset(p.config.dataset);
  const t1 = performance.now();
  console.error(`load ${(t1 - t0).toFixed(0)} ms`);
  const r = await trainModel(dataset, p.config.model, p.config.train, {
    backend: { name: backend.name, detail: backend.detail },
  });
  const c = process.cpuUsage(c0);
  console.log(`TRIAL`);
  console.error(
    `trial ${((performance.now() - t0) / 1000).toFixed(2)} s wall, cpu ${((c.user + c.system) / 1e6).toFixed(2)} s, steps ${r.steps}`,
  );
}

import { readdirSync as rd, readFileSync as rf } from "node:fs";

for (const t of rd("/proc/self/task")) {
  const s = rf(`/proc/self/task/${t}/stat`, "utf8");
  const name = s.slice(s.indexOf("(") + 1, s.lastIndexOf(")"));
  const f = s.slice(s.lastIndexOf(") ") + 2).split(" ");
  console.error(t, name, (Number(f[11]) + Number(f[12])) / 100);
}
