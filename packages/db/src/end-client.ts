import type pg from "pg";

/**
 * Ends a node-postgres client, waiting at most `withinMs`: a connection that is already broken (a cut network, a
 * handshake the server refused) may never answer the goodbye, and a caller must not hang on it.
 */
export async function endClient(client: pg.Client, withinMs: number): Promise<void> {
  await Promise.race([client.end().catch(() => {}), new Promise((r) => setTimeout(r, withinMs).unref())]);
}
