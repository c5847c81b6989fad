"use client";

import { trpc } from "../lib/trpc-client";
import { ActionButton } from "./action-button";

/** Deletes a sweep with its trials and results (owners; after asking), then goes back to the list. */
export function DeleteSweepButton({
  sweepId,
  name,
  trials,
}: {
  sweepId: string;
  name: string;
  trials: number;
}) {
  return (
    <ActionButton
      label="Delete sweep"
      busyLabel="deleting…"
      confirm={`Delete sweep ${name} with its ${trials} trials and their results? This cannot be undone.`}
      run={() => trpc.sweeps.delete.mutate({ id: sweepId })}
      then="/"
    />
  );
}
