"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { trpc } from "../lib/trpc-client";

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
  const router = useRouter();
  const [state, setState] = useState<"idle" | "busy" | string>("idle");
  const remove = async () => {
    if (
      !window.confirm(
        `Delete sweep ${name} with its ${trials} trials and their results? This cannot be undone.`,
      )
    )
      return;
    setState("busy");
    try {
      await trpc.sweeps.delete.mutate({ id: sweepId });
      router.push("/");
    } catch (e) {
      setState((e as Error).message);
    }
  };
  return (
    <>
      <button type="button" className="danger" disabled={state === "busy"} onClick={remove}>
        {state === "busy" ? "deleting…" : "Delete sweep"}
      </button>
      {state !== "idle" && state !== "busy" && <span className="field-error"> {state}</span>}
    </>
  );
}
