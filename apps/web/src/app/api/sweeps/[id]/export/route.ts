import { EXPORT_FORMATS, exportSweep, isExportFormat, SWEEP_NOT_FOUND_CODE } from "@tailsweep/analysis";
import { isUnauthorized, sweepOrThrow } from "@tailsweep/api";
import { hasErrorCode, isInputError, messageOf, NUL_MESSAGE, storable } from "@tailsweep/schemas";
import { requestContext } from "../../../../../server/store";

export const dynamic = "force-dynamic";

/**
 * `GET /api/sweeps/<id>/export?format=csv|json` (default csv): the sweep's trials and results as a download, the
 * same file `tailsweep sweep export` writes (both go through `exportSweep`). 400 for another format or an id with
 * U+0000, 404 for an unknown sweep or one the caller may not read, 401 for a refused API token, each with a
 * plain-text reason, before any byte of the file. The file streams: its text is never one string here (exportSweep).
 */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await params;
  const format = new URL(req.url).searchParams.get("format") ?? "csv";
  // Both at once. The store cannot look such an id up: a refusal naming it, not a database error.
  const problems = [
    ...(storable(id) ? [] : [`id: ${NUL_MESSAGE}`]),
    ...(isExportFormat(format)
      ? []
      : [`format: must be one of ${EXPORT_FORMATS.join(", ")}, got '${format}'`]),
  ];
  if (problems.length > 0 || !isExportFormat(format)) return text(400, problems.join("\n"));
  try {
    const ctx = await requestContext(req);
    // By its id or a unique start of it, as every dashboard URL; the same answer for another team's sweep as for
    // none: a guessed id confirms nothing.
    const sweep = await sweepOrThrow(ctx, id);
    const file = await exportSweep(ctx.store, sweep.id, format);
    return new Response(byteStream(file.body, `export of sweep ${sweep.id} (${format})`), {
      headers: {
        "Content-Type": file.contentType,
        "Content-Disposition": `attachment; filename="${file.filename}"`,
        "Cache-Control": "no-store",
        // the trial count, for a client that reports it without parsing the file
        "X-Tailsweep-Trials": String(file.trials),
      },
    });
  } catch (e) {
    if (hasErrorCode(e, SWEEP_NOT_FOUND_CODE)) return text(404, e.message);
    // a start of several ids: which to give more of
    if (isInputError(e)) return text(400, messageOf(e));
    // By code, not class: the refusal may be another bundle's TRPCError, or a coded error of category unauthorized.
    if (isUnauthorized(e)) return text(401, messageOf(e));
    throw e;
  }
}

/**
 * The file's text as the response body's bytes, a chunk pulled each time the client is ready for more (the web
 * stream's backpressure); a client that goes away ends the text's iteration, which stops making it. A failure once
 * bytes are out (the store gone mid-export) can no longer change the status: it is logged, naming the export, and
 * the body ends in an error, so the client sees a broken download rather than a short file that looks whole.
 */
function byteStream(text: AsyncIterable<string>, what: string): ReadableStream<Uint8Array> {
  const chunks = text[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  return new ReadableStream({
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (e) {
        console.error(`${what} failed after it began: ${messageOf(e)}`);
        controller.error(e);
      }
    },
    async cancel() {
      await chunks.return?.();
    },
  });
}

function text(status: number, message: string): Response {
  return new Response(`${message}\n`, { status, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}
