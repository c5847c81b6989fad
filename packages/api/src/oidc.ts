import { messageOf } from "@tailsweep/schemas";
import * as client from "openid-client";
import { z } from "zod";
import { isLoopbackHost, type OidcSettings } from "./auth-settings";
import { type OidcClaims, SignInError } from "./sign-in";

/** The checks one authorization round trip carries from its start to the callback (in a short-lived cookie). */
export const OidcPendingSchema = z
  .object({
    state: z.string().min(1).max(200),
    nonce: z.string().min(1).max(200),
    verifier: z.string().min(1).max(200),
    returnTo: z.string().max(512),
  })
  .strict();
export type OidcPending = z.infer<typeof OidcPendingSchema>;

/** The cookie value that carries a pending sign-in. */
export const encodePending = (pending: OidcPending): string =>
  Buffer.from(JSON.stringify(pending)).toString("base64url");

/** A pending sign-in from its cookie value; undefined for none, or for a malformed or forged one. */
export function decodePending(value: string | undefined): OidcPending | undefined {
  if (!value) return undefined;
  try {
    const parsed = OidcPendingSchema.safeParse(JSON.parse(Buffer.from(value, "base64url").toString("utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // not JSON
  }
}

/**
 * Name of the cookie that holds an OidcPending while the browser is at the provider: `__Host-` over https, so a
 * sibling host cannot plant one (and sign the browser in to someone else's account).
 */
export const oidcPendingCookieName = (secure: boolean) =>
  secure ? "__Host-tailsweep_oidc" : "tailsweep_oidc";

/**
 * The dashboard as an OpenID Connect relying party, through openid-client (OpenID certified, maintained by the
 * author of the jose and oauth4webapi libraries): authorization code flow with PKCE, state and nonce. Discovery runs
 * once per process.
 */
export class OidcSignIn {
  private config: Promise<client.Configuration> | undefined;

  constructor(readonly settings: OidcSettings) {}

  private configuration(): Promise<client.Configuration> {
    const { issuer, clientId, clientSecret } = this.settings;
    // Plain http is only accepted for a provider on this machine (the settings refuse others); openid-client needs
    // to be told so explicitly.
    const local = isLoopbackHost(new URL(issuer).hostname) && new URL(issuer).protocol === "http:";
    this.config ??= client
      .discovery(
        new URL(issuer),
        clientId,
        undefined,
        clientSecret ? client.ClientSecretBasic(clientSecret) : client.None(),
        local ? { execute: [client.allowInsecureRequests] } : undefined,
      )
      .catch((e: unknown) => {
        this.config = undefined;
        throw new SignInError("oidc", `cannot reach the identity provider ${issuer}: ${messageOf(e)}`);
      });
    return this.config;
  }

  /** Where to send the browser, and what to remember until it comes back to `redirectUri`. */
  async start(redirectUri: string, returnTo: string): Promise<{ url: URL; pending: OidcPending }> {
    const config = await this.configuration();
    const pending = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      verifier: client.randomPKCECodeVerifier(),
      returnTo,
    };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: "openid email profile",
      code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: "S256",
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url, pending };
  }

  /** The verified ID token claims of the browser's return to `currentUrl`; SignInError for any failed check. */
  async finish(currentUrl: URL, pending: OidcPending): Promise<{ issuer: string; claims: OidcClaims }> {
    const config = await this.configuration();
    try {
      const tokens = await client.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims();
      if (!idClaims) throw new Error("no ID token");
      // Many providers put only `sub` in the ID token and the profile behind the userinfo endpoint.
      const claims: Record<string, unknown> =
        typeof idClaims.email === "string"
          ? idClaims
          : { ...(await client.fetchUserInfo(config, tokens.access_token, idClaims.sub)), ...idClaims };
      return {
        issuer: config.serverMetadata().issuer,
        claims: {
          sub: idClaims.sub,
          ...(typeof claims.email === "string" && { email: claims.email }),
          ...(typeof claims.email_verified === "boolean" && { email_verified: claims.email_verified }),
          ...(typeof claims.name === "string" && { name: claims.name }),
          ...(typeof claims.preferred_username === "string" && {
            preferred_username: claims.preferred_username,
          }),
        },
      };
    } catch (e) {
      throw new SignInError("oidc", `sign-in with ${this.settings.issuer} failed: ${messageOf(e)}`);
    }
  }
}
