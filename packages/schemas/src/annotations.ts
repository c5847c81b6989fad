import { z } from "zod";
import { AppError, InputError } from "./errors";
import { noNul } from "./text";

/** Bounds on what people write on a sweep or a trial: a few labels to find it by, and a page of notes. */
export const ANNOTATION_LIMITS = {
  /** tags on one sweep or trial */
  tags: 32,
  /** characters in one tag */
  tagLength: 64,
  /** UTF-8 bytes of notes (16 kB): a page of Markdown, not a lab book */
  notesBytes: 16 * 1024,
} as const;

/** What a tag may hold, as a refusal says it. */
export const TAG_RULE = `1–${ANNOTATION_LIMITS.tagLength} letters, digits or - _ . : /`;

// Letters and decimal digits of any script (a team names things in its own language), and the separators that
// namespaced tags use (`paper:fig3`, `ablation/pool`); no spaces, so a tag list can be typed split on them.
const TAG_PATTERN = new RegExp(`^[\\p{L}\\p{Nd}\\-_.:/]{1,${ANNOTATION_LIMITS.tagLength}}$`, "u");

/** One tag, trimmed and in Unicode NFC (so two spellings of `é` are one tag). */
export const TagSchema = z
  .string()
  .trim()
  .normalize("NFC")
  .refine((tag) => TAG_PATTERN.test(tag), {
    error: (issue) => `must be ${TAG_RULE}, got ${JSON.stringify(issue.input)}`,
  });

/** Tags as a person types a list of them: split on commas or spaces (a tag holds neither). */
export function splitTagText(text: string): string[] {
  return text.split(/[,\s]+/).filter(Boolean);
}

/**
 * What is wrong with tags as a person typed them (the bad ones named, in the rule's words), or undefined when every
 * one is a tag: for forms and flags, which say it of the field rather than of list places (`tags[2]`).
 */
export function badTagsProblem(tags: readonly string[]): string | undefined {
  const bad = tags.filter((tag) => !TagSchema.safeParse(tag).success).map((tag) => JSON.stringify(tag));
  if (bad.length === 0) return undefined;
  return `${bad.join(", ")} ${bad.length === 1 ? "is not a tag" : "are not tags"} (each must be ${TAG_RULE})`;
}

/** A tag list as stored: each tag once, sorted, so two lists with the same tags compare equal. */
export function normaliseTags(tags: readonly string[]): string[] {
  return [...new Set(tags)].sort();
}

/** A list of tags, normalised ({@link normaliseTags}); at most {@link ANNOTATION_LIMITS}.tags. */
export const TagsSchema = z
  .array(TagSchema)
  .max(ANNOTATION_LIMITS.tags, `at most ${ANNOTATION_LIMITS.tags} tags`)
  .transform(normaliseTags);

/** Notes as they are kept: line ends as `\n` (a browser's form sends `\r\n`), no trailing blank space. */
export function normaliseNotes(text: string): string {
  return text.replace(/\r\n?/g, "\n").trimEnd();
}

/**
 * Notes in Markdown: line ends as `\n` (a browser's form sends `\r\n`) and no trailing blank space; at most
 * {@link ANNOTATION_LIMITS}.notesBytes bytes of UTF-8.
 */
export const NotesSchema = noNul(z.string())
  .transform(normaliseNotes)
  .refine((text) => new TextEncoder().encode(text).length <= ANNOTATION_LIMITS.notesBytes, {
    error: (issue) =>
      `must be at most ${ANNOTATION_LIMITS.notesBytes} bytes of UTF-8 (16 kB), got ${new TextEncoder().encode(String(issue.input)).length}`,
  });

/**
 * A change to a sweep's or a trial's tags and notes. `tags` replaces the list, `addTags` and `removeTags` change the
 * stored one (applied after `tags`, in the store, so two people tagging at once both keep theirs); `notes` replaces
 * the notes, and with `notesWere` (the notes the writer started from) only if they are still those: an edit made
 * meanwhile by someone else is refused with {@link ANNOTATION_CONFLICT_CODE}, not overwritten. A field left out stays
 * as stored.
 */
export const AnnotationEditSchema = z
  .object({
    tags: TagsSchema.optional(),
    addTags: TagsSchema.optional(),
    removeTags: TagsSchema.optional(),
    notes: NotesSchema.optional(),
    notesWere: NotesSchema.optional(),
  })
  .strict();
export type AnnotationEdit = z.output<typeof AnnotationEditSchema>;

/** What a sweep or a trial carries besides its runs: tags to find it by and notes to read. */
export interface Annotations {
  /** Normalised: each once, sorted. */
  tags: string[];
  /** Markdown text; empty when there are none. */
  notes: string;
}

/**
 * `current` with `edit` applied ({@link AnnotationEditSchema}'s rule, shared by the stores). An InputError at `tags`
 * when the result would hold more than {@link ANNOTATION_LIMITS}.tags: nothing is then stored.
 */
export function applyAnnotationEdit(current: Annotations, edit: AnnotationEdit): Annotations {
  const removed = new Set(edit.removeTags ?? []);
  const tags = normaliseTags([...(edit.tags ?? current.tags), ...(edit.addTags ?? [])]).filter(
    (tag) => !removed.has(tag),
  );
  if (tags.length > ANNOTATION_LIMITS.tags)
    throw new InputError(
      "tags",
      `at most ${ANNOTATION_LIMITS.tags} tags, and this would make ${tags.length}; remove some first`,
    );
  // notes given as they were, unchanged, are no edit of them: someone else's edit meanwhile stands
  if (edit.notesWere !== undefined && edit.notes === edit.notesWere) return { tags, notes: current.notes };
  // compared as kept: notes stored some other way (an archive's import) would otherwise never match what was sent
  if (
    edit.notes !== undefined &&
    edit.notesWere !== undefined &&
    ![edit.notesWere, edit.notes].includes(normaliseNotes(current.notes))
  )
    throw new AppError(
      ANNOTATION_CONFLICT_CODE,
      "conflict",
      "notes: changed by someone else since this edit began (they are no longer notesWere); nothing was saved: start again from the notes as they are now",
    );
  return { tags, notes: edit.notes ?? current.notes };
}

/** The stable code of an edit of notes that someone else changed meanwhile ({@link AnnotationEditSchema}'s `notesWere`). */
export const ANNOTATION_CONFLICT_CODE = "ANNOTATION_CONFLICT";
