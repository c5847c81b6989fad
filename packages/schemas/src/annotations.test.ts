import { describe, expect, it } from "vitest";
import {
  ANNOTATION_CONFLICT_CODE,
  ANNOTATION_LIMITS,
  AnnotationEditSchema,
  applyAnnotationEdit,
  badTagsProblem,
  describeIssues,
} from "./index";

describe("annotations", () => {
  it("normalises tags: trimmed, in NFC, each once, sorted; notes with \\n line ends and no trailing space", () => {
    const edit = AnnotationEditSchema.parse({
      tags: [" ν-sweep ", "paper:fig3", "caf\u0065\u0301", "ablation/pool", "paper:fig3"],
      notes: "first line\r\nsecond\r\n\r\n",
    });
    expect(edit.tags).toEqual(["ablation/pool", "café", "paper:fig3", "ν-sweep"]);
    expect(edit.notes).toBe("first line\nsecond");
  });

  it("names every bad tag and the notes in one refusal, with what is allowed", () => {
    const parsed = AnnotationEditSchema.safeParse({
      tags: ["ok", "two words", "", "x".repeat(65)],
      addTags: ["<b>"],
      notes: `${"é".repeat(ANNOTATION_LIMITS.notesBytes / 2)}!\u0000`,
    });
    expect(parsed.success).toBe(false);
    const lines = describeIssues(parsed.error!, "input");
    const rule = "must be 1–64 letters, digits or - _ . : /";
    expect(lines).toEqual([
      `input.tags[1]: ${rule}, got "two words"`,
      `input.tags[2]: ${rule}, got ""`,
      `input.tags[3]: ${rule}, got "${"x".repeat(65)}"`,
      `input.addTags[0]: ${rule}, got "<b>"`,
      expect.stringMatching(/^input\.notes: must not contain the NUL character/),
    ]);
    const long = AnnotationEditSchema.safeParse({ notes: "é".repeat(ANNOTATION_LIMITS.notesBytes / 2 + 1) });
    expect(describeIssues(long.error!)).toEqual([
      "notes: must be at most 16384 bytes of UTF-8 (16 kB), got 16386",
    ]);
    const many = AnnotationEditSchema.safeParse({ tags: Array.from({ length: 33 }, (_, i) => `t${i}`) });
    expect(describeIssues(many.error!)).toEqual(["tags: at most 32 tags"]);
    expect(AnnotationEditSchema.safeParse({ label: "x" }).success).toBe(false);
  });

  it("applies a change to what is stored: replace, add and remove tags, notes kept unless given", () => {
    const stored = { tags: ["a", "b"], notes: "kept" };
    expect(applyAnnotationEdit(stored, { addTags: ["c", "a"], removeTags: ["b"] })).toEqual({
      tags: ["a", "c"],
      notes: "kept",
    });
    expect(applyAnnotationEdit(stored, { tags: ["z"], notes: "" })).toEqual({ tags: ["z"], notes: "" });
    const full = { tags: Array.from({ length: 32 }, (_, i) => `t${i}`), notes: "" };
    expect(() => applyAnnotationEdit(full, { addTags: ["one-more"] })).toThrow(
      "tags: at most 32 tags, and this would make 33; remove some first",
    );
    expect(applyAnnotationEdit(full, { addTags: ["one-more"], removeTags: ["t0"] }).tags).toHaveLength(32);
  });

  it("writes notes given with the text they were edited from only over that text (two people at once)", () => {
    const stored = { tags: ["a"], notes: "theirs, saved meanwhile" };
    // edited from an older text: refused with a stable code, nothing applied (not the tags either)
    let refused: unknown;
    try {
      applyAnnotationEdit(stored, { addTags: ["b"], notes: "mine", notesWere: "as I saw them" });
    } catch (e) {
      refused = e;
    }
    expect(refused).toMatchObject({ code: ANNOTATION_CONFLICT_CODE, category: "conflict" });
    // not edited (given as they were): the stored notes stand, the tags apply
    expect(
      applyAnnotationEdit(stored, { addTags: ["b"], notes: "as I saw them", notesWere: "as I saw them" }),
    ).toEqual({ tags: ["a", "b"], notes: "theirs, saved meanwhile" });
    // notes stored otherwise than a form sends them (an imported archive's \r\n): the same text, not a conflict
    expect(
      applyAnnotationEdit({ tags: [], notes: "line\r\nnext\n" }, { notes: "mine", notesWere: "line\nnext" })
        .notes,
    ).toBe("mine");
    // edited from the stored text, or to what is stored already: written
    expect(applyAnnotationEdit(stored, { notes: "mine", notesWere: "theirs, saved meanwhile" }).notes).toBe(
      "mine",
    );
    expect(applyAnnotationEdit(stored, { notes: "theirs, saved meanwhile", notesWere: "old" }).notes).toBe(
      "theirs, saved meanwhile",
    );
  });

  it("names every bad tag as typed, in the rule's words", () => {
    expect(badTagsProblem(["ok", "a b", "<i>"])).toBe(
      '"a b", "<i>" are not tags (each must be 1–64 letters, digits or - _ . : /)',
    );
    expect(badTagsProblem(["paper:fig3"])).toBeUndefined();
  });
});
