import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MIGRATIONS_DIR } from "./migrate";
import { DEFAULT_PGLITE_DIR, openRunStore, runStoreOptionsFromEnv } from "./open-run-store";

describe("where the run store is", () => {
  it("is read from a given environment, never from process.env", () => {
    expect(runStoreOptionsFromEnv({})).toEqual({ kind: "embedded", pgliteDir: DEFAULT_PGLITE_DIR });
    expect(DEFAULT_PGLITE_DIR).toBe(join(".tailsweep", "db"));
    expect(
      runStoreOptionsFromEnv({
        DATABASE_URL: "postgres://ts:pw@db/tailsweep",
        TAILSWEEP_MIGRATIONS_DIR: MIGRATIONS_DIR,
      }),
    ).toEqual({
      kind: "postgres",
      databaseUrl: "postgres://ts:pw@db/tailsweep",
      pgliteDir: DEFAULT_PGLITE_DIR,
      migrationsDir: MIGRATIONS_DIR,
    });
    expect(runStoreOptionsFromEnv({ TAILSWEEP_PGLITE_TEMPLATE_DIR: "off" }).pgliteTemplateDir).toBe(false);
    expect(runStoreOptionsFromEnv({ TAILSWEEP_PGLITE_TEMPLATE_DIR: "/var/cache/ts" }).pgliteTemplateDir).toBe(
      "/var/cache/ts",
    );
    expect(() => runStoreOptionsFromEnv({ DATABASE_URL: "mysql://root:hunter2@db/x" })).toThrow(
      /DATABASE_URL: must be a postgres or postgresql URL/,
    );
    expect(() => runStoreOptionsFromEnv({ DATABASE_URL: "mysql://root:hunter2@db/x" })).not.toThrow(
      /hunter2/,
    );
  });

  it("refuses a store folder that is a file and a migrations folder that is not there, both at once", () => {
    const file = join(mkdtempSync(join(tmpdir(), "tailsweep-env-")), "afile");
    writeFileSync(file, "");
    expect(() =>
      runStoreOptionsFromEnv({ TAILSWEEP_DB_DIR: file, TAILSWEEP_MIGRATIONS_DIR: join(file, "..", "none") }),
    ).toThrow(
      expect.objectContaining({
        problems: [
          `TAILSWEEP_DB_DIR: must be a folder (made if absent), not a file (or "memory"), got "${file}"`,
          `TAILSWEEP_MIGRATIONS_DIR: must be an existing folder, got "${join(file, "..", "none")}"`,
        ],
      }),
    );
    // a file above it is said as such; a folder not made yet is made when the store opens
    expect(() => runStoreOptionsFromEnv({ TAILSWEEP_DB_DIR: join(file, "db") })).toThrow(
      expect.objectContaining({
        problems: [
          `TAILSWEEP_DB_DIR: must be a folder (made if absent): a file is in its path (or "memory"), got "${join(file, "db")}"`,
        ],
      }),
    );
    expect(runStoreOptionsFromEnv({ TAILSWEEP_DB_DIR: join(file, "..", "new") }).pgliteDir).toBe(
      join(file, "..", "new"),
    );
  });

  it("says a store folder it cannot write is a bad TAILSWEEP_DB_DIR, not a raw file-system error", async () => {
    const error = await openRunStore({ pgliteDir: "/proc" }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "SETTINGS_INVALID",
      problems: [
        'TAILSWEEP_DB_DIR: must be a folder this process can write (writing there failed: ENOENT), got "/proc"',
      ],
    });
  });

  it("says a PostgreSQL that does not answer is unavailable (the same command may work later)", async () => {
    const error = await openRunStore({ databaseUrl: "postgres://ts:secret@127.0.0.1:1/tailsweep" }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "DATABASE_UNAVAILABLE", category: "unavailable" });
    expect((error as Error).message).toBe(
      "PostgreSQL at postgres://ts:***@127.0.0.1:1/tailsweep is not answering (ECONNREFUSED)",
    );
  });

  it("says a server that closes the connection without answering as PostgreSQL (another kind of port) is not one", async () => {
    // an HTTP or NATS port: it reads the startup message, says something else and hangs up
    const server = createServer((socket) => {
      socket.on("error", () => {});
      socket.once("data", () => socket.end("HTTP/1.1 400 Bad Request\r\n\r\n"));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const error = await openRunStore({ databaseUrl: `postgres://ts@127.0.0.1:${port}/tailsweep` }).catch(
      (e: unknown) => e,
    );
    server.close();
    expect(error).toMatchObject({ code: "DATABASE_UNAVAILABLE", category: "unavailable" });
    expect(String(error)).toContain(
      `postgres://ts@127.0.0.1:${port}/tailsweep closed the connection without answering as PostgreSQL: check that DATABASE_URL's host and port are a PostgreSQL server's`,
    );
  });

  it("says a database or role DATABASE_URL names that is not there is that setting's problem", async () => {
    const refusal = (url: string) => openRunStore({ databaseUrl: url }).catch((e: unknown) => e);
    // the local server (trust auth): a database and a role it does not have
    expect(await refusal("postgres://postgres@127.0.0.1:5432/tailsweep_no_such_db")).toMatchObject({
      code: "SETTINGS_INVALID",
      problems: [
        expect.stringMatching(
          /^DATABASE_URL: the database does not exist \(create it: infra\/postgres\/roles\.sql, or createdb\) \(3D000: database "tailsweep_no_such_db" does not exist\), got "postgres:\/\/postgres@127\.0\.0\.1:5432\/tailsweep_no_such_db"$/,
        ),
      ],
    });
    expect(await refusal("postgres://no_such_role_ts:secret@127.0.0.1:5432/postgres")).toMatchObject({
      code: "SETTINGS_INVALID",
      problems: [
        expect.stringMatching(
          /^DATABASE_URL: PostgreSQL refused this role from this host \(28000: .*\), got "postgres:\/\/no_such_role_ts:\*\*\*@/,
        ),
      ],
    });
    // (a host that does not resolve, ENOTFOUND, is said the same way; asking a resolver is traffic this test may not make)
  });

  it("says a server that asks for a password the URL lacks is that setting's problem, at once", async () => {
    // a server that asks every client for SCRAM and then waits, as PostgreSQL does until its authentication_timeout
    const authentication = (kind: number, text: string) => {
      const body = Buffer.from(text);
      const message = Buffer.alloc(9 + body.length);
      message.write("R", 0);
      message.writeInt32BE(8 + body.length, 1);
      message.writeInt32BE(kind, 5);
      body.copy(message, 9);
      return message;
    };
    const sockets = new Set<Socket>();
    let clientClosed = false;
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on("end", () => {
        clientClosed = true;
      });
      socket.on("error", () => {});
      // the startup message, then the client's first SCRAM message: AuthenticationSASL, then SASLContinue
      let said = 0;
      socket.on("data", () => {
        said += 1;
        if (said === 1) socket.write(authentication(10, "SCRAM-SHA-256\0\0"));
        if (said === 2) socket.write(authentication(11, "r=nonce,s=c2FsdA==,i=4096"));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const error = await openRunStore({ databaseUrl: `postgres://ts@127.0.0.1:${port}/tailsweep` }).catch(
      (e: unknown) => e,
    );
    // it closed its side: left open, the process could not exit until the server gave up (60 s)
    await expect.poll(() => clientClosed, { timeout: 3_000 }).toBe(true);
    for (const s of sockets) s.destroy();
    server.close();
    expect(error).toMatchObject({
      code: "SETTINGS_INVALID",
      problems: [
        `DATABASE_URL: the server asks for a password and none is given (put it in the URL, postgresql://user:password@host/db, or in PGPASSWORD), got "postgres://ts@127.0.0.1:${port}/tailsweep"`,
      ],
    });
  });
});
