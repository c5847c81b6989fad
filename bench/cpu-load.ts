// How busy the machine is apart from a benchmark: the benches' gate for "refuse to print a ratio under load".
// The 1-minute load average counts the benchmark's own threads too (a 2-thread case on a 2-core machine reads ≈ 2),
// so while a case runs the measure is other processes' CPU time: the machine's busy time from /proc/stat less this
// process's and its waited-for children's own (/proc/self/stat). Linux only; USER_HZ is 100 there.
import { readFileSync } from "node:fs";
import { cpus } from "node:os";

const USER_HZ = 100;

/** A reading of the machine's busy CPU time and this process tree's, in clock ticks. */
export interface CpuReading {
  machine: number;
  ours: number;
  at: number;
}

/** Reads /proc/stat (busy = every field but idle and iowait) and /proc/self/stat (utime, stime, cutime, cstime). */
export function cpuReading(): CpuReading {
  const fields = readFileSync("/proc/stat", "utf8")
    .split("\n", 1)[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const machine = fields.slice(0, 8).reduce((a, b) => a + b, 0) - fields[3]! - fields[4]!;
  const self = readFileSync("/proc/self/stat", "utf8");
  // after "pid (comm) ": state is field 3, so utime … cstime (fields 14–17) are at 11–14
  const after = self
    .slice(self.lastIndexOf(")") + 2)
    .split(" ")
    .map(Number);
  return { machine, ours: after[11]! + after[12]! + after[13]! + after[14]!, at: performance.now() };
}

/** The share (0–1) of the machine's CPU time that other processes took since `from`. */
export function foreignCpuShare(from: CpuReading): number {
  const to = cpuReading();
  const seconds = (to.at - from.at) / 1000;
  const foreign = to.machine - from.machine - (to.ours - from.ours);
  return seconds > 0 ? Math.max(0, foreign) / (USER_HZ * seconds * cpus().length) : 0;
}

/** The 1-minute load average: a gate before a benchmark starts, when nothing of its own runs yet. */
export function loadAverage(): number {
  return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
}
