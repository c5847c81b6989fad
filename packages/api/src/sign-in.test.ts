import { hashPassword, type UserRecord } from "@tailsweep/access";
import { describe, expect, it } from "vitest";
import { authSettingsFromEnv } from "./auth-settings";
import {
  dashboardOrigin,
  fromSameOrigin,
  PasswordSignIn,
  readCookie,
  SignInError,
  safeReturnPath,
  setCookie,
  signInPath,
} from "./sign-in";

const request = (headers: Record<string, string>, url = "http://localhost:3000/api/trpc/sweeps.launch") =>
  new Request(url, { method: "POST", headers });

describe("sign-in helpers", () => {
  it("judges a mutation's origin by the Host the browser used, or the public URL when one is set", () => {
    const from = (origin: string | undefined, extra: Record<string, string> = {}) =>
      request({ host: "127.0.0.1:3000", ...(origin && { origin }), ...extra });
    expect(dashboardOrigin(from(undefined))).toBe("http://127.0.0.1:3000");
    expect(fromSameOrigin(from("http://127.0.0.1:3000"))).toBe(true);
    expect(fromSameOrigin(from("http://localhost:3000"))).toBe(false);
    expect(fromSameOrigin(from("http://evil.example"))).toBe(false);
    expect(fromSameOrigin(from("null"))).toBe(false);
    expect(fromSameOrigin(from(undefined))).toBe(false);
    expect(fromSameOrigin(from(undefined, { "sec-fetch-site": "same-origin" }))).toBe(true);
    expect(fromSameOrigin(from(undefined, { "sec-fetch-site": "cross-site" }))).toBe(false);
    // Behind a proxy the public URL decides, whatever Host the proxy forwards.
    expect(fromSameOrigin(from("https://ml.example.org"), "https://ml.example.org/")).toBe(true);
    expect(fromSameOrigin(from("http://127.0.0.1:3000"), "https://ml.example.org")).toBe(false);
  });

  it("returns only to paths of this dashboard", () => {
    expect(safeReturnPath("/sweeps/abc?x=1")).toBe("/sweeps/abc?x=1");
    for (const bad of [
      "//evil.example",
      "/\\evil.example",
      "https://evil.example",
      "javascript:alert(1)",
      "/\tevil.example",
      "/a b",
      "/a\u0000b",
      "",
      3,
      // not pages: the sign-in page itself (a signed-in browser would go round in a loop), the API and auth routes
      "/signin",
      "/signin?returnTo=/signin",
      "/api/auth/signout",
      "/api/trpc/sweeps.list",
    ])
      expect(safeReturnPath(bad), String(bad)).toBe("/");
    expect(safeReturnPath(`/${"a".repeat(600)}`)).toBe("/");
    expect(safeReturnPath("/signing-off")).toBe("/signing-off");
  });

  it("sends a browser to sign in with the page it asked for (issue #20: it always landed on /)", () => {
    expect(signInPath("/sweeps/abc?x=1")).toBe("/signin?returnTo=%2Fsweeps%2Fabc%3Fx%3D1");
    expect(new URLSearchParams(signInPath("/sweeps/abc?x=1&y=2").split("?")[1]).get("returnTo")).toBe(
      "/sweeps/abc?x=1&y=2",
    );
    for (const none of ["/", null, undefined, "//evil.example/x", "https://evil.example"])
      expect(signInPath(none)).toBe("/signin");
  });

  it("writes HTTP-only, SameSite cookies and reads one back from a Cookie header", () => {
    expect(setCookie("s", "v", { secure: true, maxAgeSeconds: 60 })).toBe(
      "s=v; Path=/; Max-Age=60; HttpOnly; SameSite=Lax; Secure",
    );
    expect(setCookie("s", "", { secure: false, maxAgeSeconds: -5, path: "/api" })).toBe(
      "s=; Path=/api; Max-Age=0; HttpOnly; SameSite=Lax",
    );
    expect(readCookie("a=1; tailsweep_session=tss_x; b=2", "tailsweep_session")).toBe("tss_x");
    expect(readCookie("xtailsweep_session=1", "tailsweep_session")).toBeUndefined();
    expect(readCookie(null, "a")).toBeUndefined();
  });
});

describe("PasswordSignIn", () => {
  const users = new Map<string, UserRecord>();
  const access = { getUserByEmail: async (email: string) => users.get(email) };
  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => "accepted",
      (e: unknown) => (e instanceof SignInError ? e.reason : String(e)),
    );

  it("accepts the right password, says the same for a wrong one and an unknown email, and refuses bad input", async () => {
    users.set("ada@example.org", {
      id: "u1",
      email: "ada@example.org",
      name: "Ada",
      passwordHash: await hashPassword("correct horse battery"),
      createdAt: new Date(),
    });
    const signIn = new PasswordSignIn(access);
    expect(
      (await signIn.verify({ email: " Ada@Example.org ", password: "correct horse battery" }, "a")).id,
    ).toBe("u1");
    expect(await codeOf(signIn.verify({ email: "ada@example.org", password: "wrong" }, "a"))).toBe(
      "credentials",
    );
    expect(await codeOf(signIn.verify({ email: "nobody@example.org", password: "wrong" }, "a"))).toBe(
      "credentials",
    );
    for (const bad of [
      {},
      { email: "ada@example.org" },
      { email: "ada@example.org", password: "x".repeat(257) },
      { email: "x".repeat(255), password: "p" },
      { email: "ada@example.org", password: "p", admin: true },
      { email: ["ada@example.org"], password: "p" },
    ])
      expect(await codeOf(signIn.verify(bad, "a")), JSON.stringify(bad).slice(0, 60)).toBe("input");
  });

  it("refuses an email after 5 failures, and an address after 30, before checking the password", async () => {
    const signIn = new PasswordSignIn(access);
    for (let i = 0; i < 5; i++)
      await codeOf(signIn.verify({ email: "ada@example.org", password: `x${i}` }, "a"));
    const limited = await signIn
      .verify({ email: "ada@example.org", password: "correct horse battery" }, "b")
      .catch((e: SignInError) => e);
    expect(limited).toBeInstanceOf(SignInError);
    expect((limited as SignInError).reason).toBe("rate-limited");
    expect(limited).toMatchObject({ code: "SIGN_IN_FAILED", category: "rate-limited" });
    expect((limited as SignInError).retryAfterSeconds).toBeGreaterThan(800);
    // One address guessing across many emails is stopped too.
    for (let i = 0; i < 30; i++)
      await codeOf(signIn.verify({ email: `u${i}@example.org`, password: "x" }, "c"));
    expect(await codeOf(signIn.verify({ email: "other@example.org", password: "x" }, "c"))).toBe(
      "rate-limited",
    );
    expect(await codeOf(signIn.verify({ email: "other@example.org", password: "x" }, "d"))).toBe(
      "credentials",
    );
  }, 60_000);

  it("counts a burst of parallel guesses before checking any, so it gets 5 tries, not 20", async () => {
    const signIn = new PasswordSignIn(access);
    const codes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        codeOf(signIn.verify({ email: "ada@example.org", password: `g${i}` }, "e")),
      ),
    );
    expect(codes.filter((c) => c === "credentials")).toHaveLength(5);
    expect(codes.filter((c) => c === "rate-limited")).toHaveLength(15);
    // Without a trustworthy address (plain next start) only the email counts.
    const noAddress = new PasswordSignIn(access);
    for (let i = 0; i < 40; i++)
      await codeOf(noAddress.verify({ email: `x${i}@example.org`, password: "x" }, undefined));
    expect(
      await codeOf(
        noAddress.verify({ email: "ada@example.org", password: "correct horse battery" }, undefined),
      ),
    ).toBe("accepted");
  }, 60_000);
});

describe("authSettingsFromEnv", () => {
  it("is team mode on PostgreSQL and local on the embedded store, and names the variable of a bad value", () => {
    expect(authSettingsFromEnv("embedded", {})).toEqual({ mode: "local", sessionHours: 168 });
    expect(
      authSettingsFromEnv("postgres", {
        TAILSWEEP_OIDC_ISSUER: "https://id.example.org",
        TAILSWEEP_OIDC_CLIENT_ID: "tailsweep",
        TAILSWEEP_PUBLIC_URL: "https://ml.example.org",
      }),
    ).toMatchObject({ mode: "team", oidc: { name: "single sign-on" }, publicUrl: "https://ml.example.org" });
    const insecure = () =>
      authSettingsFromEnv("postgres", { TAILSWEEP_OIDC_ISSUER: "http://id.example.org" });
    expect(insecure).toThrow(/TAILSWEEP_OIDC_ISSUER: must be https/);
    expect(insecure).toThrow(
      "TAILSWEEP_OIDC_CLIENT_ID: must not be empty (unset: sign-in with a provider needs both TAILSWEEP_OIDC_CLIENT_ID and TAILSWEEP_OIDC_ISSUER, which is set)",
    );
    // a client id alone blames the missing issuer as missing, not as a bad URL
    expect(() => authSettingsFromEnv("postgres", { TAILSWEEP_OIDC_CLIENT_ID: "tailsweep" })).toThrow(
      "TAILSWEEP_OIDC_ISSUER: must be the provider's issuer URL (unset: sign-in with a provider needs both TAILSWEEP_OIDC_ISSUER and TAILSWEEP_OIDC_CLIENT_ID, which is set)",
    );
    expect(() => authSettingsFromEnv("postgres", { TAILSWEEP_SESSION_HOURS: "0.5" })).toThrow(
      'TAILSWEEP_SESSION_HOURS: must be a whole number of hours from 1 to 2160, got "0.5"',
    );
    expect(() => authSettingsFromEnv("postgres", { TAILSWEEP_SESSION_HOURS: "forever" })).toThrow(
      /TAILSWEEP_SESSION_HOURS/,
    );
    expect(() => authSettingsFromEnv("postgres", { TAILSWEEP_PUBLIC_URL: "ml.example.org" })).toThrow(
      /TAILSWEEP_PUBLIC_URL/,
    );
  });
});
