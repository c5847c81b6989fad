import { mkdirSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { apiError } from "./api-client";
import { currentLogin, loginFile, remoteApi, removeLogin, saveLogin } from "./remote";
import { parseCliSettings } from "./settings";

const token = `tsk_${"a".repeat(12)}_${"b".repeat(43)}`;

describe("the CLI's login", () => {
  it("saves a login for this user only, lets TAILSWEEP_TOKEN override it, and names a bad variable", () => {
    const env = { XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), "tailsweep-login-")) };
    const login = (more: Record<string, string> = {}) => parseCliSettings({ ...env, ...more }).login;
    expect(currentLogin(login())).toBeUndefined();
    const file = saveLogin({ url: "https://ml.example.org", token }, login());
    expect(file).toBe(loginFile(login()));
    expect(file).toBe(join(env.XDG_CONFIG_HOME, "tailsweep", "login.json"));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(currentLogin(login())).toEqual({ url: "https://ml.example.org", token });
    const other = `tsk_${"c".repeat(12)}_${"d".repeat(43)}`;
    expect(currentLogin(login({ TAILSWEEP_TOKEN: other }))).toEqual({
      url: "https://ml.example.org",
      token: other,
    });
    // Both bad variables in one error, each with what it takes; the token's value is not echoed.
    const bad = () => login({ TAILSWEEP_TOKEN: "secret", TAILSWEEP_URL: "ml.example.org" });
    expect(bad).toThrow(
      /TAILSWEEP_TOKEN: must be an API token as tailsweep token create prints it: tsk_, 12 characters, _ and 43 characters more \(letters, digits, - and _\)$/m,
    );
    expect(bad).toThrow(
      /TAILSWEEP_URL: must be the dashboard's http or https address, e\.g\. https:\/\/ml\.example\.org, got "ml\.example\.org"/,
    );
    // another scheme is no dashboard's address either (it was taken, then said as unreachable)
    expect(() => login({ TAILSWEEP_URL: "ftp://ml.example.org" })).toThrow(
      /TAILSWEEP_URL: must be the dashboard's http or https address/,
    );
    expect(bad).not.toThrow(/secret/);
    expect(removeLogin(login())).toBe(true);
    expect(removeLogin(login())).toBe(false);
    expect(() => currentLogin(login({ TAILSWEEP_TOKEN: other }))).toThrow(
      /TAILSWEEP_TOKEN: needs TAILSWEEP_URL/,
    );
  });

  it("names the file and the field of a bad saved login", () => {
    const env = { XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), "tailsweep-login-")) };
    const login = parseCliSettings(env).login;
    mkdirSync(dirname(login.file), { recursive: true });
    writeFileSync(login.file, JSON.stringify({ url: "https://ml.example.org", token: "nope" }));
    expect(() => currentLogin(login)).toThrow(
      `${login.file}: token: must be an API token as tailsweep token create prints it: tsk_, 12 characters, _ and 43 characters more (letters, digits, - and _)`,
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
      .catch((e: unknown) => apiError(e, login));
    expect((error as Error).message).toBe(
      `http://127.0.0.1:${port}: no answer (ECONNREFUSED): is the dashboard running there?`,
    );
    expect(error).toMatchObject({ code: "DASHBOARD_UNAVAILABLE", category: "unavailable" });
  });
});
