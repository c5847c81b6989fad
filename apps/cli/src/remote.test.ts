import { mkdtempSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { currentLogin, loginFile, remoteApi, remoteError, removeLogin, saveLogin } from "./remote";

const token = `tsk_${"a".repeat(12)}_${"b".repeat(43)}`;

describe("the CLI's login", () => {
  it("saves a login for this user only, lets TAILSWEEP_TOKEN override it, and names a bad variable", () => {
    const env = { XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), "tailsweep-login-")) };
    expect(currentLogin(env)).toBeUndefined();
    const file = saveLogin({ url: "https://ml.example.org", token }, env);
    expect(file).toBe(loginFile(env));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(currentLogin(env)).toEqual({ url: "https://ml.example.org", token });
    const other = `tsk_${"c".repeat(12)}_${"d".repeat(43)}`;
    expect(currentLogin({ ...env, TAILSWEEP_TOKEN: other })).toEqual({
      url: "https://ml.example.org",
      token: other,
    });
    expect(() => currentLogin({ ...env, TAILSWEEP_TOKEN: "secret" })).toThrow(
      /TAILSWEEP_TOKEN: must be an API token/,
    );
    expect(() => currentLogin({ ...env, TAILSWEEP_TOKEN: other, TAILSWEEP_URL: "ml.example.org" })).toThrow(
      /TAILSWEEP_URL: must be the dashboard's address/,
    );
    expect(removeLogin(env)).toBe(true);
    expect(removeLogin(env)).toBe(false);
    expect(() => currentLogin({ ...env, TAILSWEEP_TOKEN: other })).toThrow(
      /TAILSWEEP_TOKEN needs TAILSWEEP_URL/,
    );
  });

  it("says so in one line when no dashboard answers at the address", async () => {
    const server = createServer().listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    const { port } = server.address() as { port: number };
    server.close(); // nothing listens there now
    const login = { url: `http://127.0.0.1:${port}`, token };
    const error = await remoteApi(login)
      .me.query()
      .catch((e: unknown) => remoteError(e, login));
    expect((error as Error).message).toBe(
      `http://127.0.0.1:${port}: no answer (ECONNREFUSED): is the dashboard running there?`,
    );
  });
});
