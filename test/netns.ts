// What the tests that build network namespaces share: their links' addresses and their clean-up of dead runs' leftovers.
import { execFileSync } from "node:child_process";

/** `ip …`, its output as text; a failure throws with ip's own words. */
export const ip = (...args: string[]) =>
  execFileSync("ip", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** Whether a process of this pid lives (a namespace named after a dead one is a killed run's leftover). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A /30 in 10.200.<from>.0 and the `slots / 64` blocks of 256 after it that no interface of the root namespace holds
 * (other runs' included), tried from one picked by this process's pid: [the root side's address, the other side's].
 */
export function freeLinkNet(from: number, slots: number): [string, string] {
  const taken = ip("-4", "-o", "addr", "show");
  for (let i = 0; i < slots; i++) {
    const slot = (process.pid + i) % slots;
    const base = `10.200.${from + (slot >> 6)}.`;
    const last = (slot % 64) * 4;
    if (![0, 1, 2, 3].some((d) => taken.includes(` ${base}${last + d}/`)))
      return [`${base}${last + 1}`, `${base}${last + 2}`];
  }
  throw new Error(`no free /30 in 10.200.${from}.0 and the ${slots / 64 - 1} blocks after it`);
}
