import { describe, expect, it } from "vitest";
import { boundedRequest, MAX_REQUEST_BODY_BYTES } from "./body-limit";

const url = "http://127.0.0.1:3000/api/trpc/sweeps.launch";

/** A body sent in chunks without a Content-Length, as a chunked upload arrives; counts what was pulled. */
function chunked(chunks: number, size: number): { body: ReadableStream<Uint8Array>; pulled: () => number } {
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === chunks) return controller.close();
      sent++;
      controller.enqueue(new Uint8Array(size).fill(0x61));
    },
  });
  return { body, pulled: () => sent };
}

describe("boundedRequest", () => {
  it("passes a body within the limit through, readable as usual", async () => {
    const json = JSON.stringify({ yaml: "name: s\n" });
    const req = new Request(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: json,
    });
    const bounded = await boundedRequest(req);
    expect(bounded.refused).toBeUndefined();
    if (bounded.refused) return;
    expect(await bounded.request.json()).toEqual({ yaml: "name: s\n" });
    expect(bounded.request.headers.get("content-type")).toBe("application/json");
    const get = new Request(`${url}?input=%7B%7D`);
    expect((await boundedRequest(get)).refused).toBeUndefined();
  });

  it("refuses a declared Content-Length above the limit with 413, reading nothing", async () => {
    const { body, pulled } = chunked(64, 64 * 1024);
    const req = new Request(url, {
      method: "POST",
      headers: { "content-length": String(4 * MAX_REQUEST_BODY_BYTES) },
      body,
      duplex: "half",
    });
    const bounded = await boundedRequest(req);
    expect(bounded.refused?.status).toBe(413);
    expect(await bounded.refused?.text()).toMatch(
      /^request body too large: 4194304 bytes, more than the 1048576 bytes \(1024 kB\) this dashboard reads/,
    );
    expect(pulled()).toBeLessThanOrEqual(2);
  });

  it("refuses a chunked body once it passes the limit, without reading the rest", async () => {
    const { body, pulled } = chunked(1_000, 64 * 1024); // 64 MB on offer
    const req = new Request(url, { method: "POST", body, duplex: "half" });
    const bounded = await boundedRequest(req, 1024 * 1024);
    expect(bounded.refused?.status).toBe(413);
    expect(pulled()).toBeLessThan(20);
  });
});
