"use server";

import { messageOf } from "@tailsweep/schemas";
import { revalidatePath } from "next/cache";
import { api } from "./store";

/** What the edit form shows after a save: nothing, or the refusal with what was typed (so nothing typed is lost). */
export type AnnotateState = { error: string; tags: string; notes: string } | null;

/**
 * The tags-and-notes form's action, for a sweep or a trial (the form's `target` and `id`): its tags typed as a list
 * split on commas or spaces, checked by the API like any other caller's (every bad tag named), as the signed-in
 * user, who must be a member of the project. Works as a plain POST without JavaScript: the page is rendered again
 * with what was stored, or with the refusal.
 */
export async function saveAnnotations(_before: AnnotateState, form: FormData): Promise<AnnotateState> {
  const target = form.get("target");
  const id = String(form.get("id") ?? "");
  const tagsText = String(form.get("tags") ?? "");
  const notes = String(form.get("notes") ?? "");
  const tags = tagsText.split(/[,\s]+/).filter(Boolean);
  try {
    const caller = await api();
    if (target === "trial") await caller.trials.annotate({ id, tags, notes });
    else await caller.sweeps.annotate({ id, tags, notes });
    // Every page is rendered per request: this only makes the action's answer carry the page as it is now (a
    // browser with JavaScript would otherwise keep showing the tags it had).
    revalidatePath("/", "layout");
    return null;
  } catch (e) {
    return { error: messageOf(e), tags: tagsText, notes };
  }
}
