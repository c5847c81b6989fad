import type { Annotations } from "@tailsweep/schemas";

/**
 * What an edit of tags and notes changed, as the audit log keeps it (the tags added and removed, whether the notes
 * changed and how long they are now: not their text, which the sweep holds), or undefined when it changed nothing.
 */
export function annotationAudit(
  before: Annotations,
  after: Annotations,
): { addedTags: string[]; removedTags: string[]; notesChanged: boolean; notesLength: number } | undefined {
  const addedTags = after.tags.filter((tag) => !before.tags.includes(tag));
  const removedTags = before.tags.filter((tag) => !after.tags.includes(tag));
  const notesChanged = before.notes !== after.notes;
  if (addedTags.length === 0 && removedTags.length === 0 && !notesChanged) return undefined;
  return { addedTags, removedTags, notesChanged, notesLength: after.notes.length };
}
