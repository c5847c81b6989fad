import { parseSweepFile, type SweepSpec } from "@tailsweep/schemas";
import { readConfigFile } from "../config-input";
import { settings } from "../settings";

/** A sweep file, parsed and checked against this process's sweep limits (errors name the file's fields). */
export function readSweepFile(path: string): SweepSpec {
  const what = { field: `sweep file ${path}`, holds: "a mapping of sweep settings (name, search, seeds, …)" };
  return parseSweepFile(readConfigFile(path, what), settings().sweepLimits);
}
