import { hostSignIn, SIGN_IN_ERRORS, type SignInErrorCode, safeReturnPath } from "@tailsweep/api";
import { redirect } from "next/navigation";
import { firstValues, type SearchParams } from "../../lib/search-params";
import { host, viewer } from "../../server/store";

export const dynamic = "force-dynamic";

/** Team mode's sign-in: a local account's email and password, or the team's identity provider when configured. */
export default async function SignInPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const { error, returnTo: asked } = firstValues(await searchParams);
  const returnTo = safeReturnPath(asked);
  const v = await viewer();
  if (v.mode === "local" || v.user) redirect(returnTo);
  const oidc = hostSignIn(await host()).oidc;
  const message = error && error in SIGN_IN_ERRORS ? SIGN_IN_ERRORS[error as SignInErrorCode] : undefined;
  return (
    <main className="signin">
      <h1>Sign in</h1>
      {message && (
        <p className="error" role="alert" data-testid="signin-error">
          {message}
        </p>
      )}
      <form method="post" action="/api/auth/signin" className="credentials">
        <input type="hidden" name="returnTo" value={returnTo} />
        <label>
          Email
          <input name="email" type="email" autoComplete="username" required maxLength={254} />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required maxLength={256} />
        </label>
        <button type="submit" className="primary">
          Sign in
        </button>
      </form>
      {oidc && (
        <p>
          <a className="button" href={`/api/auth/oidc?returnTo=${encodeURIComponent(returnTo)}`}>
            Sign in with {oidc.settings.name}
          </a>
        </p>
      )}
      <p className="hint">
        No account? Sign in once with the identity provider, or ask your admin (
        <code>tailsweep user add</code>); an owner of your project then adds you on its Team page. Scripts use
        API tokens instead (Team page, or <code>tailsweep token create</code>).
      </p>
    </main>
  );
}
