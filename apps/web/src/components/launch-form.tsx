"use client";

import {
  isConfigError,
  messageOf,
  parseSweepFile,
  problemField,
  problemList,
  type SweepFormField,
  type SweepLimits,
  type SweepSpec,
  searchableKnobs,
  sweepFormSections,
  trialsSummary,
} from "@tailsweep/schemas";
import { TRPCClientError } from "@trpc/client";
import { useRouter } from "next/navigation";
import { type ReactNode, useEffect, useMemo, useRef, useState } from "react";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { z } from "zod";
import { trpc } from "../lib/trpc-client";

type Doc = Record<string, unknown>;
const DocSchema = z.record(z.string(), z.unknown());
/** `value` as a mapping, or undefined where it is none (a scalar, a list, nothing). */
const docOf = (value: unknown): Doc | undefined => DocSchema.safeParse(value).data;
interface SearchRow {
  /** Stable identity for React while the knob name is edited. */
  id: number;
  key: string;
  text: string;
}
let nextRowId = 0;
/** How long typing pauses before the server is asked for a document's launch notes. */
const NOTES_AFTER_MS = 400;
/** Where a search row's problems are said: its knob's path, or its place while it has no knob. */
const rowPath = (row: SearchRow, i: number) => (row.key ? `search.${row.key}` : `search knob ${i + 1}`);

const flow = (value: unknown) => toYaml(value, { collectionStyle: "flow" }).trim();

function getAt(doc: Doc, path: string): unknown {
  return path.split(".").reduce<unknown>((v, k) => docOf(v)?.[k], doc);
}

/** A copy of `doc` with `path` set to `value`, or removed when `value` is undefined (then empty sections go too). */
function setAt(doc: Doc, path: string, value: unknown): Doc {
  const [head = "", ...rest] = path.split(".");
  const next = { ...doc };
  const child = rest.length ? setAt(docOf(doc[head]) ?? {}, rest.join("."), value) : value;
  if (child === undefined || (rest.length && Object.keys(docOf(child) ?? {}).length === 0)) delete next[head];
  else next[head] = child;
  return next;
}

function rowsOf(search: unknown): SearchRow[] {
  return Object.entries(docOf(search) ?? {}).map(([key, v]) => ({
    id: nextRowId++,
    key,
    text: flow(v),
  }));
}

/** YAML value text → value; undefined for empty text; throws on bad YAML. */
function yamlValue(text: string): unknown {
  return text.trim() === "" ? undefined : parseYaml(text);
}

/**
 * The sweep launcher: a form whose fields come from the sweep file's zod schema, and a YAML view of the same
 * document. Both are validated as you type by the same `parseSweepFile` the server runs on submit, and every
 * problem is shown at its field. Each field says what it means (the schema's description), its default and what
 * it allows; each section shows its common fields first and folds the rest away, opening the fold when one of its
 * fields has a problem.
 */
export function LaunchForm({
  initial,
  launchTarget,
  limits,
}: {
  initial: Doc;
  launchTarget: string | null;
  /** The server's limits (TAILSWEEP_MAX_TRIALS), so the form refuses what the server would, and no more. */
  limits?: SweepLimits | undefined;
}) {
  const router = useRouter();
  const sections = useMemo(() => sweepFormSections(), []);
  const knobs = useMemo(() => searchableKnobs(), []);
  const { search, ...rest } = initial;
  const [doc, setDoc] = useState<Doc>(rest);
  const [rows, setRows] = useState<SearchRow[]>(() => rowsOf(search));
  /** Text of `yaml` fields being typed (may not parse yet). */
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const [view, setView] = useState<"form" | "yaml">("form");
  const [yamlText, setYamlText] = useState("");
  const [yamlError, setYamlError] = useState<string | null>(null);
  /** Number fields whose text the browser cannot read as a number (`5e`, `-`): a problem until fixed, never launched. */
  const [badNumbers, setBadNumbers] = useState<ReadonlySet<string>>(new Set());
  const [serverProblems, setServerProblems] = useState<string[]>([]);
  /**
   * The server's launch notes (what may waste seeds but launches: an explicit γ wider than the prior, copies of
   * trials) for the document they were asked for: the notes need the trials expanded, which only the server does.
   */
  const [launchNotes, setLaunchNotes] = useState<{ asked: string; notes: string[] }>();
  const [submitting, setSubmitting] = useState(false);
  /** The folds ("More … settings") open now, by section: once opened, by hand or by a problem, a fold stays open. */
  const [unfolded, setUnfolded] = useState<Record<string, boolean>>({});
  /** The sections shown open so far: they stay so (a ref, not state: what it adds changes nothing this render). */
  const shownOpen = useRef(new Set<string>());
  /** Whether the form changed the document since the YAML view last showed it (a ref: it changes no render). */
  const formEdited = useRef(false);

  // The document as the file would hold it, and what the schema says of it.
  const typing: string[] = [];
  const searchDoc: Doc = {};
  for (const [i, row] of rows.entries()) {
    // neither is launched as shown: said, so that what is launched is what the form shows
    if (!row.key) {
      if (row.text.trim()) typing.push(`search knob ${i + 1}: values given but no knob chosen`);
      continue;
    }
    if (row.key in searchDoc) {
      typing.push(
        `search.${row.key}: searched in two rows; keep one (a knob has one list of values or one range)`,
      );
      continue;
    }
    try {
      searchDoc[row.key] = yamlValue(row.text);
    } catch (e) {
      typing.push(`search.${row.key}: not YAML yet (${messageOf(e).split("\n")[0]})`);
    }
  }
  // A number input whose text is no number reads as empty: without this the field fell back to its default, unsaid.
  for (const path of badNumbers)
    typing.push(`${path}: not a number (digits, a point, an exponent: 0.5, 1e-3)`);
  for (const [path, text] of Object.entries(drafts)) {
    try {
      yamlValue(text);
    } catch (e) {
      typing.push(`${path}: not YAML yet (${messageOf(e).split("\n")[0]})`);
    }
  }
  const full: Doc = Object.keys(searchDoc).length ? { ...doc, search: searchDoc } : doc;
  let spec: SweepSpec | undefined;
  let problems: string[] = [];
  try {
    spec = parseSweepFile(full, limits);
  } catch (e) {
    problems = isConfigError(e) ? e.problems : [messageOf(e)];
  }
  problems = [...typing, ...problems, ...serverProblems];
  // the document a launch would send, while it would be sent: the notes are asked for it alone
  const launchable =
    spec && typing.length === 0 && yamlError === null && launchTarget ? JSON.stringify(full) : null;
  const shown = useRef(full);
  shown.current = full;
  useEffect(() => {
    if (launchable === null) return;
    let current = true;
    // asked once typing pauses; an answer for a document since edited is dropped, and a refusal is left to Launch
    const timer = setTimeout(() => {
      trpc.sweeps.checkLaunch.mutate({ spec: shown.current }).then(
        (plan) => {
          if (current) setLaunchNotes({ asked: launchable, notes: plan.warnings });
        },
        () => {},
      );
    }, NOTES_AFTER_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [launchable]);
  const notes = launchNotes && launchNotes.asked === launchable ? launchNotes.notes : [];
  const paths = [...sections.flatMap((s) => s.fields.map((f) => f.path)), ...rows.map(rowPath)];
  const at = new Map<string, string[]>();
  /** Problems with a whole section (`decide: required with seeds: { initial, step, max }`), by section title. */
  const atSection = new Map<string, string[]>();
  const unplaced: string[] = [];
  for (const p of problems) {
    const path = problemField(p, paths);
    const section = path
      ? undefined
      : sections.find((s) => s.fields.some((f) => f.path.startsWith(`${p.slice(0, p.indexOf(":"))}.`)));
    if (path) at.set(path, [...(at.get(path) ?? []), p.slice(p.indexOf(":") + 2)]);
    else if (section) atSection.set(section.title, [...(atSection.get(section.title) ?? []), p]);
    else unplaced.push(p);
  }

  // An edit in the form goes on from the form's document: a YAML text that did not parse is given up (it is said so).
  const change = (path: string, value: unknown) => {
    formEdited.current = true;
    setServerProblems([]);
    setYamlError(null);
    setDoc((d) => setAt(d, path, value));
  };
  const changeRows = (next: SearchRow[]) => {
    formEdited.current = true;
    setServerProblems([]);
    setYamlError(null);
    setRows(next);
  };
  const changeNumber = (path: string, input: HTMLInputElement) => {
    const bad = input.validity.badInput;
    setBadNumbers((before) => {
      const after = new Set(before);
      if (bad) after.add(path);
      else after.delete(path);
      return after;
    });
    // empty in the document while bad, as the input reads: a value there would make React write it over the text
    change(path, bad || input.value === "" ? undefined : Number(input.value));
  };

  const toYamlView = () => {
    // back to a YAML text that does not parse yet, it is shown as typed, not replaced by the last one that did; nor
    // is one the form has not changed since (its comments and layout would go)
    if (yamlError === null && (formEdited.current || yamlText === "")) setYamlText(toYaml(full));
    formEdited.current = false;
    // the form's inputs are made anew on the way back: a number's bad text goes with them
    setBadNumbers(new Set());
    setView("yaml");
  };
  const editYaml = (text: string) => {
    setYamlText(text);
    setServerProblems([]);
    try {
      const parsed = docOf(parseYaml(text) ?? {});
      if (parsed === undefined) throw new Error("the file must be a mapping of keys");
      const { search: s, ...others } = parsed;
      setDoc(others);
      setRows(rowsOf(s));
      setDrafts({});
      setBadNumbers(new Set());
      setYamlError(null);
    } catch (e) {
      setYamlError(messageOf(e));
    }
  };

  const submit = async () => {
    setSubmitting(true);
    try {
      const launched = await trpc.sweeps.launch.mutate({ spec: full });
      router.push(`/sweeps/${launched.id}`);
    } catch (e) {
      // each problem as the API listed it (data.problems), not the message taken apart
      setServerProblems((e instanceof TRPCClientError ? problemList(e.data) : undefined) ?? [messageOf(e)]);
      setSubmitting(false);
    }
  };

  /** The ids of a field's help, its default and bounds, and its problems: what its input is described by. */
  const helpIds = (f: SweepFormField) => {
    const id = `field-${f.path}`;
    return {
      help: `${id}-help`,
      hint: `${id}-hint`,
      problems: (at.get(f.path) ?? []).map((_, i) => `${id}-problem-${i}`),
    };
  };
  const hintOf = (f: SweepFormField) =>
    [
      f.defaultValue === undefined ? "" : `default: ${flow(f.defaultValue)}`,
      f.allowed ? `allowed: ${f.allowed}` : "",
    ]
      .filter(Boolean)
      .join(" · ");

  const input = (f: SweepFormField): ReactNode => {
    const value = getAt(doc, f.path);
    const id = `field-${f.path}`;
    const ids = helpIds(f);
    const common = {
      id,
      name: f.path,
      "aria-invalid": at.has(f.path) || undefined,
      "aria-describedby": [ids.help, ...(hintOf(f) ? [ids.hint] : []), ...ids.problems].join(" "),
    };
    const placeholder = f.defaultValue === undefined ? "" : `default: ${flow(f.defaultValue)}`;
    switch (f.kind) {
      case "enum":
      case "boolean": {
        const options = f.kind === "enum" ? f.options! : ["true", "false"];
        return (
          <select
            {...common}
            value={value === undefined ? "" : String(value)}
            onChange={(e) =>
              change(
                f.path,
                e.target.value === ""
                  ? undefined
                  : f.kind === "boolean"
                    ? e.target.value === "true"
                    : e.target.value,
              )
            }
          >
            <option value="">{placeholder || "—"}</option>
            {options.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        );
      }
      case "number":
      case "integer":
        return (
          <input
            {...common}
            type="number"
            step="any"
            placeholder={placeholder}
            value={typeof value === "number" ? value : ""}
            onChange={(e) => changeNumber(f.path, e.target)}
          />
        );
      case "text":
        return (
          <input
            {...common}
            placeholder={placeholder}
            value={typeof value === "string" ? value : value === undefined ? "" : String(value)}
            onChange={(e) => change(f.path, e.target.value === "" ? undefined : e.target.value)}
          />
        );
      case "yaml":
        return (
          <input
            {...common}
            className="mono"
            placeholder={placeholder}
            value={drafts[f.path] ?? (value === undefined ? "" : flow(value))}
            onChange={(e) => {
              const text = e.target.value;
              setDrafts((d) => ({ ...d, [f.path]: text }));
              formEdited.current = true;
              try {
                change(f.path, yamlValue(text));
              } catch {
                // not YAML yet: the draft keeps the text, the problem list says so
              }
            }}
          />
        );
    }
  };

  const problemsAt = (path: string, ids: string[] = []) =>
    at.get(path)?.map((p, i) => (
      <div key={p} id={ids[i]} className="field-error" role="alert">
        {p}
      </div>
    ));

  const fieldRow = (f: SweepFormField) => {
    const ids = helpIds(f);
    const hint = hintOf(f);
    return (
      <div key={f.path} className="field">
        <label htmlFor={`field-${f.path}`}>{f.path}</label>
        {input(f)}
        <span id={ids.help} className="muted help">
          {f.description}
        </span>
        {hint && (
          <span id={ids.hint} className="muted hint">
            {hint}
          </span>
        )}
        {problemsAt(f.path, ids.problems)}
      </div>
    );
  };

  /** A section's fields: the common ones in sight, the rest in a fold that a problem in it opens. */
  const sectionFields = (title: string, fields: SweepFormField[]) => {
    const more = fields.filter((f) => !f.common);
    const set = more.filter((f) => getAt(doc, f.path) !== undefined).map((f) => f.path.split(".").pop());
    const wrong = more.filter((f) => at.has(f.path)).length;
    const open = unfolded[title] || wrong > 0;
    return (
      <>
        {more.length < fields.length && (
          <div className="fields">{fields.filter((f) => f.common).map(fieldRow)}</div>
        )}
        {more.length > 0 && (
          <details
            className="more"
            open={open}
            onToggle={(e) => {
              const now = e.currentTarget.open;
              setUnfolded((u) => (u[title] === now ? u : { ...u, [title]: now }));
            }}
          >
            <summary>
              More {title.toLowerCase()} settings ({more.length})
              {set.length > 0 && <span className="muted"> · set here: {set.join(", ")}</span>}
              {/* said in the summary too: a fold closed by hand keeps a problem inside it out of sight */}
              {wrong > 0 && (
                <span className="problems">
                  {" "}
                  · {wrong} problem{wrong === 1 ? "" : "s"}
                </span>
              )}
            </summary>
            <div className="fields">{more.map(fieldRow)}</div>
          </details>
        )}
      </>
    );
  };

  return (
    <div className="launch">
      <p className="muted">
        Launched sweeps run on: <strong>{launchTarget}</strong>.{" "}
        {spec ? trialsSummary(spec) : "Fix the problems below to launch."}
      </p>
      {notes.length > 0 && (
        <div className="launch-notes" role="status" data-testid="launch-notes">
          It launches as it is, but {notes.length === 1 ? "this may spend seeds" : "these may spend seeds"}{" "}
          for nothing:
          <ul>
            {notes.map((note) => (
              <li key={note}>{note}</li>
            ))}
          </ul>
        </div>
      )}
      <div className="tabs" role="tablist">
        <button type="button" role="tab" aria-selected={view === "form"} onClick={() => setView("form")}>
          Form
        </button>
        <button type="button" role="tab" aria-selected={view === "yaml"} onClick={toYamlView}>
          YAML
        </button>
      </div>
      {view === "yaml" ? (
        <div>
          <textarea
            className="mono yaml-editor"
            aria-label="sweep file (YAML)"
            spellCheck={false}
            value={yamlText}
            rows={Math.max(16, yamlText.split("\n").length + 2)}
            onChange={(e) => editYaml(e.target.value)}
          />
          {yamlError && (
            <div className="field-error" role="alert">
              YAML: {yamlError}
            </div>
          )}
          {problems.length > 0 && (
            <ul className="problems" data-testid="problems">
              {problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          )}
        </div>
      ) : (
        <div>
          {yamlError && (
            <div className="field-error" role="alert" data-testid="yaml-error">
              The YAML tab has an error ({yamlError}): the form shows the last document that parsed. Fix it
              there, or change a field here to go on from the form&apos;s document.
            </div>
          )}
          {unplaced.length > 0 && (
            <ul className="problems" data-testid="problems">
              {unplaced.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          )}
          {sections.map((section) => {
            // once open, open: clearing a section's last set field (to type another value) folded it under the
            // cursor, and the typing went nowhere
            const open =
              shownOpen.current.has(section.title) ||
              ["Sweep", "Search", "Objective"].includes(section.title) ||
              atSection.has(section.title) ||
              section.fields.some((f) => getAt(doc, f.path) !== undefined || at.has(f.path));
            if (open) shownOpen.current.add(section.title);
            return (
              <details key={section.title} open={open} className="section">
                <summary>{section.title}</summary>
                {atSection.has(section.title) && (
                  <ul className="problems" data-testid={`problems-${section.title.toLowerCase()}`}>
                    {atSection.get(section.title)!.map((p) => (
                      <li key={p}>{p}</li>
                    ))}
                  </ul>
                )}
                {section.title === "Search" && (
                  <div className="search-rows">
                    <p className="muted">
                      Each knob as a list of values (a grid), e.g. <code>[3, 10, 30]</code>, or a
                      distribution, e.g. <code>{"{distribution: loguniform, low: 0.001, high: 0.1}"}</code>.
                    </p>
                    {rows.map((row, i) => (
                      <div key={row.id} className="field">
                        <select
                          aria-label={`search knob ${i + 1}`}
                          value={row.key}
                          onChange={(e) =>
                            changeRows(rows.map((r, j) => (j === i ? { ...r, key: e.target.value } : r)))
                          }
                        >
                          <option value="">choose a knob…</option>
                          {(knobs.includes(row.key) || !row.key ? knobs : [row.key, ...knobs]).map((k) => (
                            <option key={k} value={k}>
                              {k}
                            </option>
                          ))}
                        </select>
                        <input
                          className="mono"
                          aria-label={`values of ${row.key || `search knob ${i + 1}`}`}
                          name={`search.${row.key}`}
                          value={row.text}
                          aria-invalid={at.has(rowPath(row, i)) || undefined}
                          onChange={(e) =>
                            changeRows(rows.map((r, j) => (j === i ? { ...r, text: e.target.value } : r)))
                          }
                        />
                        <button type="button" onClick={() => changeRows(rows.filter((_, j) => j !== i))}>
                          remove
                        </button>
                        {problemsAt(rowPath(row, i))}
                      </div>
                    ))}
                    <button
                      type="button"
                      onClick={() => changeRows([...rows, { id: nextRowId++, key: "", text: "" }])}
                    >
                      add a knob
                    </button>
                  </div>
                )}
                {sectionFields(section.title, section.fields)}
              </details>
            );
          })}
        </div>
      )}
      <p>
        <button
          type="button"
          className="primary"
          disabled={!spec || typing.length > 0 || yamlError !== null || submitting || !launchTarget}
          onClick={submit}
        >
          {submitting ? "launching…" : "Launch sweep"}
        </button>
      </p>
    </div>
  );
}
