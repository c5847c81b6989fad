/**
 * People's tags (chips, each a link to the sweep list filtered by it) and notes. The notes are Markdown as written:
 * shown as plain text, a paragraph per blank-line-separated block with its line breaks kept; React escapes them, so
 * nothing in them is markup.
 */
export function Annotations({ tags, notes }: { tags: readonly string[]; notes: string }) {
  if (tags.length === 0 && notes === "") return null;
  return (
    <div className="annotations">
      {tags.length > 0 && <TagChips tags={tags} />}
      {notes !== "" && (
        <div className="notes" data-testid="notes">
          {notes.split(/\n{2,}/).map((block, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the blocks are the notes' own order and never move
            <p key={i}>
              {block.split("\n").map((line, j) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: as above, lines within one block
                <span key={j}>
                  {j > 0 && <br />}
                  {line}
                </span>
              ))}
            </p>
          ))}
        </div>
      )}
    </div>
  );
}

/** Tags as chips, each linking to the sweeps that carry it. */
export function TagChips({ tags }: { tags: readonly string[] }) {
  return (
    <ul className="tags" data-testid="tags">
      {tags.map((tag) => (
        <li key={tag} className="pill">
          <a href={`/?tag=${encodeURIComponent(tag)}`}>{tag}</a>
        </li>
      ))}
    </ul>
  );
}
