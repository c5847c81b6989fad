"use client";

import { messageOf } from "@tailsweep/schemas";
import { useRouter } from "next/navigation";
import { useState } from "react";

/**
 * A button that runs one API mutation (after asking, when `confirm` is given), then re-renders the page from the
 * store or goes to `then`; the server's refusal is shown beside it as it is.
 */
export function ActionButton({
  label,
  busyLabel = `${label}…`,
  confirm,
  run,
  then,
}: {
  label: string;
  busyLabel?: string;
  confirm?: string;
  run: () => Promise<unknown>;
  then?: string;
}) {
  const router = useRouter();
  const [state, setState] = useState<"idle" | "busy" | { error: string }>("idle");
  const act = async () => {
    if (confirm && !window.confirm(confirm)) return;
    setState("busy");
    try {
      await run();
      setState("idle");
      if (then) router.push(then);
      else router.refresh();
    } catch (e) {
      setState({ error: messageOf(e) });
    }
  };
  return (
    <>
      <button type="button" className="danger" disabled={state === "busy"} onClick={act}>
        {state === "busy" ? busyLabel : label}
      </button>
      {typeof state === "object" && <span className="field-error"> {state.error}</span>}
    </>
  );
}
