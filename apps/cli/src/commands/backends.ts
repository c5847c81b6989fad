import type { BackendName } from "@tailsweep/model";
import { type Command, InvalidArgumentError } from "commander";
import { BACKEND_NAMES } from "../package-constants";
import { lazyAction } from "./lazy-action";

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
    .action(lazyAction(async () => (await import("./backends-action")).backendsCommand));
}
