import Markdown, { type Components } from "react-markdown";

/**
 * People's tags (chips, each a link: a sweep's to the sweep list filtered by it, a trial's to its sweep's trials
 * table filtered by it) and notes, rendered as Markdown with
 * react-markdown: CommonMark to React elements, never HTML text. Raw HTML in the notes is shown as text, and a link's
 * URL other than http(s), mailto or a relative one is dropped (react-markdown's default `urlTransform`), so notes
 * cannot run script or restyle the page; headings start below the page's own (h3).
 */
export function Annotations({
  tags,
  notes,
  hrefOf,
}: {
  tags: readonly string[];
  notes: string;
  /** Where a tag's chip leads (default: the sweeps that carry it). */
  hrefOf?: (tag: string) => string;
}) {
  if (tags.length === 0 && notes === "") return null;
  return (
    <div className="annotations">
      {tags.length > 0 && <TagChips tags={tags} {...(hrefOf && { hrefOf })} />}
      {notes !== "" && (
        <div className="notes" data-testid="notes">
          <Markdown disallowedElements={["img"]} unwrapDisallowed components={NOTE_HEADINGS}>
            {notes}
          </Markdown>
        </div>
      )}
    </div>
  );
}

/** The notes' headings, one level per `#`, starting at h3: the page's title and sections are h1 and h2. */
const NOTE_HEADINGS: Components = {
  h1: ({ children }) => <h3>{children}</h3>,
  h2: ({ children }) => <h4>{children}</h4>,
  h3: ({ children }) => <h5>{children}</h5>,
  h4: ({ children }) => <h6>{children}</h6>,
  h5: ({ children }) => <h6>{children}</h6>,
};

/** Tags as chips, each a link: by default to the sweeps that carry it. */
export function TagChips({
  tags,
  hrefOf = (tag) => `/?tag=${encodeURIComponent(tag)}`,
}: {
  tags: readonly string[];
  hrefOf?: (tag: string) => string;
}) {
  return (
    <ul className="tags" data-testid="tags">
      {tags.map((tag) => (
        <li key={tag} className="pill">
          <a href={hrefOf(tag)}>{tag}</a>
        </li>
      ))}
    </ul>
  );
}
