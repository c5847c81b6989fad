import {
  type AccessStore,
  DUPLICATE_CODE,
  generateSessionSecret,
  hashPassword,
  type SignInMethod,
  sessionId,
  type UserRecord,
  verifyPassword,
} from "@tailsweep/access";
import { AppError, type ErrorCategory, hasErrorCode, noNul, storable } from "@tailsweep/schemas";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { z } from "zod";
import type { AuthSettings } from "./auth-settings";

/** The session cookie: `__Host-` over https (no Domain, Path=/, Secure: a sibling host cannot set or read it). */
export const sessionCookieName = (secure: boolean) =>
  secure ? "__Host-tailsweep_session" : "tailsweep_session";

/** Whether the dashboard's cookies get `Secure` and the `__Host-` prefix: when its public address is https. */
export const secureCookies = (auth: Pick<AuthSettings, "publicUrl">) =>
  auth.publicUrl?.startsWith("https:") ?? false;

/** The session cookie's value in a `Cookie` header, if the browser sent one. */
export const sessionCookie = (
  auth: Pick<AuthSettings, "publicUrl">,
  cookieHeader: string | null | undefined,
) => readCookie(cookieHeader, sessionCookieName(secureCookies(auth)));

/** A `Set-Cookie` value: HTTP-only, SameSite=Lax (sent on top-level navigations, not on cross-site requests). */
export function setCookie(
  name: string,
  value: string,
  options: { secure: boolean; maxAgeSeconds: number; path?: string },
) {
  return [
    `${name}=${value}`,
    `Path=${options.path ?? "/"}`,
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`,
    "HttpOnly",
    "SameSite=Lax",
    ...(options.secure ? ["Secure"] : []),
  ].join("; ");
}

/** One cookie's value from a `Cookie` header, or undefined. */
export function readCookie(header: string | null | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Starts a dashboard session for a user; returns the cookie's value (shown to no one else, stored hashed). */
export async function openSession(
  access: Pick<AccessStore, "createSession">,
  userId: string,
  method: SignInMethod,
  hours: number,
  now = new Date(),
): Promise<{ secret: string; expiresAt: Date }> {
  const s = generateSessionSecret();
  const expiresAt = new Date(now.getTime() + hours * 3_600_000);
  await access.createSession({ id: s.id, userId, tokenHash: s.hash, method, expiresAt }, now);
  return { secret: s.token, expiresAt };
}

/** Ends the session a cookie value names (sign-out); false when there is none. */
export async function closeSession(
  access: Pick<AccessStore, "deleteSession">,
  cookieValue: string | undefined,
): Promise<boolean> {
  // Session values are base64url: nothing to decode, and a `%` in a forged cookie must not throw.
  const id = cookieValue ? sessionId(cookieValue) : undefined;
  return id ? access.deleteSession(id) : false;
}

/** The stable code of every {@link SignInError}; its `reason` says which failure it is. */
export const SIGN_IN_ERROR_CODE = "SIGN_IN_FAILED";

/** What went wrong in a sign-in, as the sign-in page names it. */
export type SignInErrorCode =
  | "input"
  | "credentials"
  | "rate-limited"
  | "oidc"
  | "no-email"
  | "unverified-email"
  | "account-exists";

/** The category of each sign-in failure (what an API or a CLI would answer with). */
const SIGN_IN_CATEGORIES: Record<SignInErrorCode, ErrorCategory> = {
  input: "invalid",
  credentials: "unauthorized",
  "rate-limited": "rate-limited",
  oidc: "unauthorized",
  "no-email": "unauthorized",
  "unverified-email": "forbidden",
  "account-exists": "conflict",
};

/**
 * Why a sign-in failed: code SIGN_IN_FAILED, and a `reason`. The sign-in page shows a fixed sentence per `reason`
 * (never text from a URL, which anyone could write); the message, with details, is for the server's log.
 */
export class SignInError extends AppError {
  declare readonly code: typeof SIGN_IN_ERROR_CODE;
  constructor(
    readonly reason: SignInErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(SIGN_IN_ERROR_CODE, SIGN_IN_CATEGORIES[reason], message);
    this.name = "SignInError";
  }
}

/** Whether `e` is a SignInError (by its code and reason), from any bundle. */
export function isSignInError(e: unknown): e is SignInError {
  return (
    hasErrorCode(e, SIGN_IN_ERROR_CODE) &&
    Object.hasOwn(SIGN_IN_CATEGORIES, (e as { reason?: unknown }).reason as string)
  );
}

/** The sentence the sign-in page shows for each SignInErrorCode. */
export const SIGN_IN_ERRORS: Record<SignInErrorCode, string> = {
  input: "Enter an email address and a password (at most 256 characters).",
  credentials: "Wrong email or password.",
  "rate-limited": "Too many failed sign-ins. Wait a while, then try again.",
  oidc: "Sign-in with the identity provider failed. Try again, or ask the team's admin.",
  "no-email": "The identity provider did not send an email address, which tailsweep needs.",
  "unverified-email":
    "The identity provider has not verified your email address. Verify it there, then try again.",
  "account-exists":
    "An account with this email already exists and is not linked to this provider. Sign in with its password.",
};

/** What the sign-in form posts. Oversized input is refused before any hashing. */
export const PasswordSignInSchema = z
  .object({
    email: noNul(
      z.string().trim().toLowerCase().min(3, "email: must be an email address").max(254, "email: too long"),
    ),
    password: z.string().min(1, "password: required").max(256, "password: at most 256 characters"),
  })
  .strict();

/**
 * Local-account sign-in with login rate limiting: 5 tries for one email in 15 minutes (a success starts again), and
 * 30 failed ones from one address; past either, tries are refused for the rest of the window without checking the
 * password. Counters live in this process (rate-limiter-flexible's memory store), which suits one dashboard process
 * per team.
 */
export class PasswordSignIn {
  private readonly perEmail = new RateLimiterMemory({ keyPrefix: "email", points: 5, duration: 15 * 60 });
  private readonly perAddress = new RateLimiterMemory({ keyPrefix: "ip", points: 30, duration: 15 * 60 });
  /** A real hash to check unknown emails against, so an unknown email takes as long as a wrong password. */
  private decoy: Promise<string> | undefined;

  constructor(private readonly access: Pick<AccessStore, "getUserByEmail">) {}

  /** The user whose password this is; SignInError otherwise (the same words for an unknown email). */
  async verify(input: unknown, address: string | undefined): Promise<UserRecord> {
    const parsed = PasswordSignInSchema.safeParse(input);
    if (!parsed.success) throw new SignInError("input", parsed.error.issues[0]!.message);
    const { email, password } = parsed.data;
    // Counted before the password is checked, atomically: a burst of parallel guesses gets no more tries.
    await this.take(email, address);
    const user = await this.access.getUserByEmail(email);
    this.decoy ??= hashPassword("not the password of anyone");
    const ok = user?.passwordHash
      ? await verifyPassword(user.passwordHash, password)
      : (await verifyPassword(await this.decoy, password)) && false;
    if (ok && user) {
      // A success clears the account's failures and gives the address its try back (many people share a NAT).
      await Promise.all([this.perEmail.delete(email), address && this.perAddress.reward(address, 1)]);
      return user;
    }
    throw new SignInError("credentials", `wrong email or password for ${email} from ${address ?? "?"}`);
  }

  /**
   * Takes one try from the email's and the address's allowance; rate-limited when either is used up. Without a
   * trustworthy client address (a plain `next start`), only the email's counts: one shared bucket would let anyone
   * lock everyone out.
   */
  private async take(email: string, address: string | undefined): Promise<void> {
    const taken = await Promise.allSettled([
      this.perEmail.consume(email),
      ...(address ? [this.perAddress.consume(address)] : []),
    ]);
    const refused = taken.flatMap((t) => (t.status === "rejected" ? [t.reason as unknown] : []));
    if (refused.length === 0) return;
    const error = refused.find((r) => !(r instanceof RateLimiterRes));
    if (error) throw error;
    const wait = Math.max(...refused.map((r) => Math.ceil((r as RateLimiterRes).msBeforeNext / 1000)));
    throw new SignInError(
      "rate-limited",
      `too many sign-in attempts for ${email} from ${address ?? "?"}: ${wait} s left`,
      wait,
    );
  }
}

/** What an OpenID provider says about the person signing in (ID token claims). */
export interface OidcClaims {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  preferred_username?: string;
}

/**
 * The account for an OpenID sign-in: the one linked to this identity; else, only when the provider has verified the
 * email, the account with that email and no identity yet (which gets linked) or a new account (with no projects: an
 * owner adds it by email).
 */
export async function accountForOidc(
  access: Pick<
    AccessStore,
    "getUserByOidc" | "getUserByEmail" | "linkOidcIdentity" | "createUser" | "getUser"
  >,
  issuer: string,
  claims: OidcClaims,
  now = new Date(),
): Promise<UserRecord> {
  // The store cannot look up or keep text with U+0000: a refusal, not a database error.
  const said = [claims.sub, claims.email, claims.name, claims.preferred_username];
  if (!said.every((v) => v === undefined || (typeof v === "string" && storable(v))))
    throw new SignInError("oidc", `${issuer}: a claim holds the NUL character, which cannot be stored`);
  const linked = await access.getUserByOidc(issuer, claims.sub);
  if (linked) return linked;
  if (!claims.email) throw new SignInError("no-email", `no email claim for ${issuer} subject ${claims.sub}`);
  // Owners add people by email: an account under an email the provider has not verified could take someone's place.
  if (claims.email_verified !== true)
    throw new SignInError(
      "unverified-email",
      `${claims.email} is not verified by ${issuer} (subject ${claims.sub})`,
    );
  const existing = await access.getUserByEmail(claims.email);
  if (existing) {
    if (existing.oidcIssuer !== undefined)
      throw new SignInError(
        "account-exists",
        `${existing.email} exists, linked to another identity; not to ${issuer} ${claims.sub}`,
      );
    await access.linkOidcIdentity(existing.id, issuer, claims.sub);
    return (await access.getUser(existing.id))!;
  }
  try {
    return await access.createUser(
      {
        email: claims.email,
        name: (claims.name ?? claims.preferred_username ?? claims.email).slice(0, 100),
        oidcIssuer: issuer,
        oidcSubject: claims.sub,
      },
      now,
    );
  } catch (e) {
    if (hasErrorCode(e, DUPLICATE_CODE))
      throw new SignInError("account-exists", `${claims.email}: ${e.message}`);
    throw e;
  }
}

/**
 * The dashboard's origin as the browser sees it: the public URL's when set, else the request's scheme with its `Host`
 * header (Next rewrites `req.url` to `localhost` under a custom server, so the URL alone is not what the browser
 * used).
 */
export function dashboardOrigin(req: Request, publicUrl?: string): string {
  if (publicUrl) return new URL(publicUrl).origin;
  const url = new URL(req.url);
  const host = req.headers.get("host");
  return host ? new URL(`${url.protocol}//${host}`).origin : url.origin;
}

/**
 * Whether a cookie-carrying request that changes something comes from the dashboard's own pages: its `Origin` (sent
 * by browsers on every POST) equals the dashboard's, or, without one, `Sec-Fetch-Site` says same-origin. Together
 * with SameSite cookies this is OWASP's defence against cross-site request forgery without tokens in forms.
 */
export function fromSameOrigin(req: Request, publicUrl?: string): boolean {
  const expected = dashboardOrigin(req, publicUrl);
  const origin = req.headers.get("origin");
  if (origin !== null) return origin === expected;
  return req.headers.get("sec-fetch-site") === "same-origin";
}

/** Paths a sign-in never returns to: the sign-in page itself (it would send a signed-in browser round in a loop) and
 * the API and sign-in routes, which are not pages. */
const NOT_A_PAGE = /^\/(?:signin|api)(?:[/?#]|$)/;

/**
 * A page of this dashboard to return to after sign-in (`/sweeps/abc?x=1`): a path with its query, never `//elsewhere`,
 * `/\elsewhere` (browsers read both as another host), a URL, spaces or control characters; anything else is `/`.
 */
export function safeReturnPath(value: unknown): string {
  return typeof value === "string" &&
    value.length <= 512 &&
    /^\/(?![/\\])[^\s\p{Cc}]*$/u.test(value) &&
    !NOT_A_PAGE.test(value)
    ? value
    : "/";
}

/**
 * The sign-in page's path for a browser that asked for `page` without being signed in: `/signin?returnTo=<page>`, so
 * that signing in (password or OpenID) lands there; plain `/signin` for the home page or a page that is not safe.
 */
export function signInPath(page: unknown): string {
  const returnTo = safeReturnPath(page);
  return returnTo === "/" ? "/signin" : `/signin?${new URLSearchParams({ returnTo })}`;
}
