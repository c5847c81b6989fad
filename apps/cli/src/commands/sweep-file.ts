import { parseSweepFile, type SweepSpec } from "@tailsweep/schemas";
import { readConfigFile } from "../config-input";
import { settings } from "../settings";

/** A sweep file, parsed and checked against this process's sweep limits (errors name the file's fields). */
export function readSweepFile(path: string): SweepSpec {
  return parseSweepFile(readConfigFile(path), settings().sweepLimits);
}
