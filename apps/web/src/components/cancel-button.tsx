"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { trpc } from "../lib/trpc-client";

/** Cancels a running sweep (after asking): queued trials are dropped, running ones stop within an epoch. */
export function CancelButton({ sweepId, name }: { sweepId: string; name: string }) {
  const router = useRouter();
  const [state, setState] = useState<"idle" | "busy" | string>("idle");
  const cancel = async () => {
    if (
      !window.confirm(`Cancel sweep ${name}? Queued trials are dropped; running ones stop after this epoch.`)
    )
      return;
    setState("busy");
    try {
      await trpc.sweeps.cancel.mutate({ id: sweepId });
      setState("idle");
      router.refresh();
    } catch (e) {
      setState((e as Error).message);
    }
  };
  return (
    <>
      <button type="button" className="danger" disabled={state === "busy"} onClick={cancel}>
        {state === "busy" ? "cancelling…" : "Cancel sweep"}
      </button>
      {state !== "idle" && state !== "busy" && <span className="field-error"> {state}</span>}
    </>
  );
}
