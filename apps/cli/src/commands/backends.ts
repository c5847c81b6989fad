import {
  BACKEND_NAMES,
  type BackendName,
  checkAgreement,
  GRADIENT_TOLERANCE,
  initBackend,
  LOSS_TOLERANCE,
  releaseWebGpu,
} from "@tailsweep/model";
import { type Command, InvalidArgumentError } from "commander";

/** What `tailsweep backends` found for one backend. */
interface BackendRow {
  backend: BackendName;
  available: boolean;
  /** The backend's own description (BLAS build, adapter…) or why it did not initialise. */
  detail: string;
  /** With --check: one training step against the cpu backend. */
  agreement?: { lossError: number; gradientError: number; agrees: boolean };
}

function backendArg(value: string): BackendName {
  if (!(BACKEND_NAMES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`--backend: one of ${BACKEND_NAMES.join(", ")} (got "${value}")`);
  return value as BackendName;
}

/** Registers `tailsweep backends`: which compute backends work here, and with --check whether they compute right. */
export function registerBackends(program: Command): void {
  program
    .command("backends")
    .description(
      "the compute backends that initialise here (webgpu with its adapter, BLAS…); --check compares one training step of the proposed model on each against the cpu backend",
    )
    .option("--check", "compare loss and gradients with the cpu backend; exit 1 if any backend disagrees")
    .option("--backend <name>", `only this one: ${BACKEND_NAMES.join(" | ")}`, backendArg)
    .option("--json", "print JSON")
    .action(async (o: { check?: boolean; backend?: BackendName; json?: boolean }) => {
      const rows: BackendRow[] = [];
      for (const backend of o.backend ? [o.backend] : BACKEND_NAMES) {
        try {
          if (o.check && backend !== "cpu") {
            const { backend: info, lossError, gradientError, agrees } = await checkAgreement(backend);
            rows.push({
              backend,
              available: true,
              detail: info.detail,
              agreement: { lossError, gradientError, agrees },
            });
          } else {
            rows.push({ backend, available: true, detail: (await initBackend({ prefer: backend })).detail });
          }
        } catch (e) {
          rows.push({ backend, available: false, detail: (e as Error).message });
        }
      }
      releaseWebGpu(); // Dawn would keep the process alive
      if (o.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else {
        for (const r of rows) {
          const verdict = r.agreement
            ? `${r.agreement.agrees ? "agrees" : "DISAGREES"} with cpu: loss ${r.agreement.lossError.toExponential(1)}, gradients ${r.agreement.gradientError.toExponential(1)}\n${" ".repeat(14)}`
            : "";
          process.stdout.write(
            `${r.backend.padEnd(11)} ${(r.available ? "ok" : "no").padEnd(3)} ${verdict}${r.detail}\n`,
          );
        }
        if (o.check)
          process.stdout.write(
            `(relative errors; float32 rounding is below ${LOSS_TOLERANCE.toExponential(0)} for the loss and ${GRADIENT_TOLERANCE.toExponential(0)} for gradients)\n`,
          );
      }
      if (rows.some((r) => r.agreement && !r.agreement.agrees)) process.exitCode = 1;
      if (o.backend && !rows[0]!.available) process.exitCode = 1;
    });
}
