"use client";

import { trpc } from "../lib/trpc-client";
import { ActionButton } from "./action-button";

/** Cancels a running sweep (after asking): queued trials are dropped, running ones stop within an epoch. */
export function CancelButton({ sweepId, name }: { sweepId: string; name: string }) {
  return (
    <ActionButton
      label="Cancel sweep"
      busyLabel="cancelling…"
      confirm={`Cancel sweep ${name}? Queued trials are dropped; running ones stop after this epoch.`}
      run={() => trpc.sweeps.cancel.mutate({ id: sweepId })}
    />
  );
}
