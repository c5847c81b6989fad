// The `compression` middleware's contract as tailsweep ui calls it: on Node's own request and response, without
// Express. Declared here rather than taken from @types/compression, whose signature is Express's RequestHandler and
// would need a cast for plain node:http objects (the package itself patches only res.write/end/writeHead/on).
declare module "compression" {
  import type { IncomingMessage, ServerResponse } from "node:http";

  interface CompressionOptions {
    /** zlib's flush mode after each write: Z_SYNC_FLUSH sends each streamed chunk at once. */
    flush?: number;
    /** The smallest response, in bytes, that is compressed. */
    threshold?: number | string;
  }
  export default function compression(
    options?: CompressionOptions,
  ): (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;
}
