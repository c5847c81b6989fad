import { type AnnotationEdit, AppError, describeIssues, InputError, NotesSchema } from "@tailsweep/schemas";
import { type Api, withApi } from "../api-client";
import { readFlagFile } from "../config-input";
import { printJson } from "./sweep-output";

/**
 * `tailsweep sweep|trial tag` and `note`: people's tags and notes on a sweep or a trial, through the API
 * ({@link withApi}: the logged-in dashboard's, or the router in this process on the run store). Loaded when one of
 * them runs.
 */

/** `--set <text>` or `--file <path>` (at most one) as notes, checked as the API checks them; undefined for neither. */
function notesFlag(o: { set?: string; file?: string }): string | undefined {
  if (o.set !== undefined && o.file !== undefined)
    throw new InputError("--set, --file", "give the notes as --set <text> or --file <path>, not both");
  if (o.file === undefined && o.set === undefined) return undefined;
  const flag = o.file === undefined ? "--set" : "--file";
  const text = o.file === undefined ? o.set : readFlagFile(o.file, "--file");
  const parsed = NotesSchema.safeParse(text);
  if (!parsed.success) throw new InputError(flag, describeIssues(parsed.error).map(stripRoot).join("; "));
  return parsed.data;
}

/** A problem of a value checked on its own reads `(top level): must be …`: the flag already says which. */
const stripRoot = (line: string) => line.replace(/^\(top level\): /, "");

type Target = "sweep" | "trial";

/** What a sweep or trial is tagged and noted with, under its whole id (`id` may be the start of a sweep's). */
interface Annotations {
  id: string;
  tags: string[];
  notes: string;
}

/** The tags and notes of `id` now, as the API answers them. */
async function annotationsOf(api: Api, target: Target, id: string): Promise<Annotations> {
  const {
    id: whole,
    tags,
    notes,
  } = target === "sweep" ? await api.sweeps.get.query({ id }) : (await api.trials.get.query({ id })).trial;
  return { id: whole, tags, notes };
}

/** Changes `id`'s tags and notes through the API, answering them as stored after. */
async function annotate(api: Api, target: Target, id: string, edit: AnnotationEdit): Promise<Annotations> {
  // a dashboard older than the whole id in these answers: the id as given
  const {
    id: whole = id,
    tags,
    notes,
  } = target === "trial"
    ? await api.trials.annotate.mutate({ id, ...edit })
    : await api.sweeps.annotate.mutate({ id, ...edit });
  return { id: whole, tags, notes };
}

/** The flags of `tag`. */
interface TagFlags {
  add?: string[];
  remove?: string[];
  set?: string[];
  json?: boolean;
}

/**
 * `sweep tag <id>` / `trial tag <id>`: with --add, --remove or --set, changes its tags (added and removed against
 * what is stored then, so two people tagging at once both keep theirs); without them, prints them.
 */
async function tagCommand(target: Target, id: string, o: TagFlags): Promise<void> {
  const { add: addTags, remove: removeTags, set: tags } = o;
  // The API applies --add and --remove after --set, and --remove after --add: a line that needs that order to be
  // read is more likely a slip than meant.
  // Both slips at once where a line has both: --set beside whichever of --add and --remove it has, and a tag added
  // and removed.
  const problems: string[] = [];
  if (tags && (addTags || removeTags))
    problems.push(
      `${["--set", ...(addTags ? ["--add"] : []), ...(removeTags ? ["--remove"] : [])].join(", ")}: --set replaces every tag: give it alone, or change the tags with --add and --remove`,
    );
  const both = (addTags ?? []).filter((tag) => removeTags?.includes(tag));
  if (both.length > 0)
    problems.push(
      `--add, --remove: ${both.map((t) => JSON.stringify(t)).join(", ")}: both added and removed`,
    );
  if (problems.length > 0) throw new AppError("TAGS_INVALID", "invalid", problems.join("; "));
  const edit = { ...(tags && { tags }), ...(addTags && { addTags }), ...(removeTags && { removeTags }) };
  const after = await withApi(async (api) =>
    Object.keys(edit).length === 0 ? annotationsOf(api, target, id) : annotate(api, target, id, edit),
  );
  if (o.json) printJson({ id: after.id, tags: after.tags });
  else
    process.stdout.write(
      `${target} ${after.id}: ${after.tags.length === 0 ? "no tags" : after.tags.join(" ")}\n`,
    );
}

/** `sweep note <id>` / `trial note <id>`: with --set or --file, replaces its notes (`--set ""` clears them); else prints them. */
async function noteCommand(
  target: Target,
  id: string,
  o: { set?: string; file?: string; json?: boolean },
): Promise<void> {
  const notes = notesFlag(o);
  const after = await withApi(async (api) =>
    notes === undefined ? annotationsOf(api, target, id) : annotate(api, target, id, { notes }),
  );
  if (o.json) printJson({ id: after.id, notes: after.notes });
  else if (notes !== undefined)
    process.stdout.write(
      after.notes === ""
        ? `${target} ${after.id}: notes cleared\n`
        : `${target} ${after.id}: notes saved (${after.notes.length} characters)\n`,
    );
  else process.stdout.write(after.notes === "" ? `${target} ${after.id} has no notes\n` : `${after.notes}\n`);
}

export const sweepTag = (id: string, o: TagFlags) => tagCommand("sweep", id, o);
export const trialTag = (id: string, o: TagFlags) => tagCommand("trial", id, o);
export const sweepNote = (id: string, o: { set?: string; file?: string; json?: boolean }) =>
  noteCommand("sweep", id, o);
export const trialNote = (id: string, o: { set?: string; file?: string; json?: boolean }) =>
  noteCommand("trial", id, o);
