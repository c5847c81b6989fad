// The lease holder of test/controller-lease-partition.test.ts, run in a network namespace of its own: takes the
// controller lease of the database at argv[2] and says on stdout, one JSON line each with the wall-clock time, when it
// holds it and when it has lost it (then it releases it and exits).
import { acquireControllerLease } from "@tailsweep/db";

const url = process.argv[2];
if (!url) throw new Error("usage: lease-holder.ts <database url>");
const say = (event: string, detail: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ event, at: Date.now(), ...detail })}\n`);

const lease = await acquireControllerLease(url, { holder: "tailsweep controller partition-test" });
if (!lease) throw new Error("no lease");
say("held");
const lost = await lease.lost;
say("lost", { reason: lost.message });
await lease.release();
process.exit(0);
