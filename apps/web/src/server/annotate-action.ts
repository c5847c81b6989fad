"use server";

import {
  ANNOTATION_CONFLICT_CODE,
  badTagsProblem,
  describeIssues,
  hasErrorCode,
  messageOf,
  NotesSchema,
  splitTagText,
  TagSchema,
} from "@tailsweep/schemas";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { api } from "./store";

const CauseSchema = z.object({ cause: z.unknown() });

/**
 * What the edit form shows after a save: nothing, or the refusal with what was typed (so nothing typed is lost). After
 * a conflict, `theirs` is the notes someone else saved meanwhile, and the form's next save starts from them.
 */
export type AnnotateState = { error: string; tags: string; notes: string; theirs?: string } | null;

/**
 * The tags-and-notes form's action, for a sweep or a trial (the form's `target` and `id`): its tags typed as a list
 * split on commas or spaces, checked by the API like any other caller's (every bad tag named), as the signed-in
 * user, who must be a member of the project. Works as a plain POST without JavaScript: the page is rendered again
 * with what was stored, or with the refusal.
 *
 * Two people editing at once both keep theirs: the tags are sent as what this form added and removed since it was
 * shown (`tagsWere`), not as a list that would drop the other's; the notes with the text they were edited from
 * (`notesWere`), which the store refuses to overwrite if someone else changed it meanwhile.
 */
export async function saveAnnotations(_before: AnnotateState, form: FormData): Promise<AnnotateState> {
  const target = form.get("target");
  const id = String(form.get("id") ?? "");
  const tagsText = String(form.get("tags") ?? "");
  const notes = String(form.get("notes") ?? "");
  const notesWere = String(form.get("notesWere") ?? "");
  const typedText = splitTagText(tagsText);
  // Checked here too, so that a refusal is said of the form's fields, not of the API's list places
  // (`input.addTags[1]`); the API checks them again.
  const badTags = badTagsProblem(typedText);
  const notesProblems = NotesSchema.safeParse(notes).error;
  const problems = [
    ...(badTags === undefined ? [] : [`tags: ${badTags}`]),
    ...(notesProblems ? describeIssues(notesProblems, "notes") : []),
  ];
  if (problems.length > 0) return { error: problems.join("; "), tags: tagsText, notes };
  // compared as stored (trimmed, NFC): a tag typed in another form of its letters is the same tag, not a new one
  const typed = typedText.map((tag) => TagSchema.parse(tag));
  const were = splitTagText(String(form.get("tagsWere") ?? ""));
  const edit = {
    id,
    addTags: typed.filter((tag) => !were.includes(tag)),
    removeTags: were.filter((tag) => !typed.includes(tag)),
    notes,
    notesWere,
  };
  try {
    const caller = await api();
    try {
      if (target === "trial") await caller.trials.annotate(edit);
      else await caller.sweeps.annotate(edit);
    } catch (e) {
      // the server-side caller throws tRPC's error, with the store's coded one as its cause
      if (!hasErrorCode(CauseSchema.safeParse(e).data?.cause, ANNOTATION_CONFLICT_CODE)) throw e;
      const theirs =
        target === "trial"
          ? (await caller.trials.get({ id })).trial.notes
          : (await caller.sweeps.get({ id })).notes;
      return {
        error:
          "notes: someone else saved other notes since this page was loaded, and nothing was saved; theirs are below: save again to replace them with yours",
        tags: tagsText,
        notes,
        theirs,
      };
    }
    // Every page is rendered per request: this only makes the action's answer carry the page as it is now (a
    // browser with JavaScript would otherwise keep showing the tags it had).
    revalidatePath("/", "layout");
    return null;
  } catch (e) {
    return { error: messageOf(e), tags: tagsText, notes };
  }
}
