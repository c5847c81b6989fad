import {
  BACKEND_NAMES,
  type BackendInfo,
  type BackendName,
  checkAgreement,
  GRADIENT_TOLERANCE,
  initBackend,
  LOSS_TOLERANCE,
  releaseWebGpu,
} from "@tailsweep/model";
import { messageOf } from "@tailsweep/schemas";

/** Everything a backend says about itself: its configuration and, on wasm, where Adam and the small kernels run. */
function fullDetail(info: BackendInfo): string {
  return info.kernels ? `${info.detail}; ${info.kernels}` : info.detail;
}

/** What `tailsweep backends` found for one backend. */
interface BackendRow {
  backend: BackendName;
  available: boolean;
  /** The backend's own description (BLAS build, adapter…) or why it did not initialise. */
  detail: string;
  /** With --check: one training step against the cpu backend. */
  agreement?: { lossError: number; gradientError: number; agrees: boolean };
}

/** `tailsweep backends`: which compute backends initialise here, and with --check whether they compute right. */
export async function backendsCommand(o: {
  check?: boolean;
  backend?: BackendName;
  json?: boolean;
}): Promise<void> {
  const rows: BackendRow[] = [];
  for (const backend of o.backend ? [o.backend] : BACKEND_NAMES) {
    try {
      if (o.check && backend !== "cpu") {
        const { backend: info, lossError, gradientError, agrees } = await checkAgreement(backend);
        rows.push({
          backend,
          available: true,
          detail: fullDetail(info),
          agreement: { lossError, gradientError, agrees },
        });
      } else {
        rows.push({ backend, available: true, detail: fullDetail(await initBackend({ prefer: backend })) });
      }
    } catch (e) {
      rows.push({ backend, available: false, detail: messageOf(e) });
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
}
