import { ARTIFACT_NOT_FOUND_CODE } from "@tailsweep/analysis";
import { appErrorCode, createCaller, isUnauthorized } from "@tailsweep/api";
import { ARTIFACT_FILES, messageOf, NUL_MESSAGE, storable } from "@tailsweep/schemas";
import { inflateStored } from "@tailsweep/sweep";
import { requestContext } from "../../../../../../server/store";

export const dynamic = "force-dynamic";

const CONTENT_TYPES: Record<(typeof ARTIFACT_FILES)[number], string> = {
  "predictions.csv": "text/csv; charset=utf-8",
  "confusion.json": "application/json",
  "weights.json": "application/json",
  "weights.bin": "application/octet-stream",
};

function isArtifactFile(name: string): name is (typeof ARTIFACT_FILES)[number] {
  return (ARTIFACT_FILES as readonly string[]).includes(name);
}

/**
 * `GET /api/trials/<id>/files/<name>`: one of a trial's stored files as a download, through the same procedure as
 * `tailsweep trial artifacts -o` (trials.file), so the same access rules hold. The stored bytes are gzip; they are
 * inflated here: Chromium saves a download sent with `Content-Encoding: gzip` as the compressed bytes (seen in
 * test/web.test.ts), and the server compresses responses itself where the client asks for it. 400 for a
 * name that is no trial file, 404 for an unknown trial, one the caller may not read or a file it did not keep, 401
 * for a refused API token, 503 where this server reaches no artifact store.
 */
export async function GET(req: Request, { params }: { params: Promise<{ id: string; name: string }> }) {
  const { id: rawId, name } = await params;
  const id = decodedOnce(rawId);
  // both at once
  const problems = [
    ...(storable(id) ? [] : [`id: ${NUL_MESSAGE}`]),
    ...(isArtifactFile(name) ? [] : [`name: must be one of ${ARTIFACT_FILES.join(", ")}, got '${name}'`]),
  ];
  if (problems.length > 0 || !isArtifactFile(name)) return text(400, problems.join("\n"));
  try {
    const file = await createCaller(await requestContext(req)).trials.file({ id, name });
    const trialKey = id.slice(id.lastIndexOf(":") + 1);
    // a copy into a plain ArrayBuffer, which is what a Response body takes
    return new Response(new Uint8Array(await inflateStored(Buffer.from(file.base64, "base64"))), {
      headers: {
        "Content-Type": CONTENT_TYPES[name],
        "Content-Disposition": `attachment; filename="trial-${trialKey}-${name}"`,
        "Cache-Control": "no-store",
      },
    });
  } catch (e) {
    // By code, not class: the error may come from another bundle's copy of the API.
    const message = messageOf(e);
    if (isUnauthorized(e)) return text(401, message);
    const code = trpcCode(e);
    // The same answer for another team's trial as for none: a guessed id confirms nothing.
    if (appErrorCode(e) === ARTIFACT_NOT_FOUND_CODE || code === "NOT_FOUND" || code === "FORBIDDEN")
      return text(404, message);
    if (code === "SERVICE_UNAVAILABLE") return text(503, message);
    throw e;
  }
}

/** A tRPC error's code (`NOT_FOUND`…), read by name and field: the class may be another bundle's. */
function trpcCode(e: unknown): string | undefined {
  if (typeof e !== "object" || e === null || !("name" in e) || e.name !== "TRPCError") return undefined;
  return "code" in e && typeof e.code === "string" ? e.code : undefined;
}

/**
 * A route param decoded once: Next hands them over decoded or not depending on its version, and a `%` that is no
 * escape stays as it is (a decode error is no reason for a 500).
 */
function decodedOnce(param: string): string {
  try {
    return decodeURIComponent(param);
  } catch {
    return param;
  }
}

function text(status: number, message: string): Response {
  return new Response(`${message}\n`, { status, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}
