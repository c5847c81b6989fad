"use client";

import { useActionState } from "react";
import { type AnnotateState, saveAnnotations } from "../server/annotate-action";

/**
 * Edits a sweep's or a trial's tags and notes: a server action, so it works as a plain form POST before (or without)
 * JavaScript. A refusal is shown above the fields with what was typed kept in them.
 */
export function AnnotationsForm({
  target,
  id,
  tags,
  notes,
}: {
  target: "sweep" | "trial";
  id: string;
  tags: readonly string[];
  notes: string;
}) {
  const [state, action, pending] = useActionState<AnnotateState, FormData>(saveAnnotations, null);
  return (
    <details className="annotate" open={state !== null}>
      <summary>edit tags and notes</summary>
      {/* keyed by the outcome: after a refusal the fields show what was typed, after a save what is stored */}
      <form
        action={action}
        className="annotate-form"
        data-testid="annotate-form"
        key={state?.error ?? tags.join(" ") + notes}
      >
        <input type="hidden" name="target" value={target} />
        <input type="hidden" name="id" value={id} />
        {/* what this form started from: the save sends what it changed, so another person's edit meanwhile stays */}
        <input type="hidden" name="tagsWere" value={tags.join(" ")} />
        <input type="hidden" name="notesWere" value={state?.theirs ?? notes} />
        {state && (
          <p className="field-error" role="alert" data-testid="annotate-error">
            {state.error}
          </p>
        )}
        {state?.theirs !== undefined && (
          <details open data-testid="annotate-theirs">
            <summary>the notes as they are now (saving again replaces them with yours)</summary>
            <pre className="notes-theirs">{state.theirs || "(none)"}</pre>
          </details>
        )}
        <label>
          tags <small className="muted">(commas or spaces between; letters, digits and - _ . : /)</small>
          <input name="tags" defaultValue={state?.tags ?? tags.join(" ")} placeholder="ablation paper:fig3" />
        </label>
        <label>
          notes <small className="muted">(Markdown, at most 16 kB)</small>
          <textarea name="notes" rows={6} defaultValue={state?.notes ?? notes} />
        </label>
        <button type="submit" disabled={pending}>
          {pending ? "saving…" : "save"}
        </button>
      </form>
    </details>
  );
}
