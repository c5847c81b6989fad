export {
  type AuthSettings,
  AuthSettingsSchema,
  authSettingsFromEnv,
  hostName,
  isLoopbackHost,
  type OidcSettings,
  OidcSettingsSchema,
} from "./auth-settings";
export {
  type BoundedRequest,
  boundedRequest,
  MAX_IMPORT_BODY_BYTES,
  MAX_REQUEST_BODY_BYTES,
} from "./body-limit";
export {
  appErrorCode,
  authorize,
  type Caller,
  type CallerLookup,
  callerFromAuthorization,
  callerOfRequest,
  canRead,
  isUnauthorized,
  LOCAL_CALLER,
  memberCaller,
  signedInUser,
  tokenCaller,
} from "./caller";
export { type DashboardHost, dashboardHost, hostSignIn, setDashboardHost } from "./host";
export { API_ENDPOINT, apiResponse } from "./http";
export {
  decodePending,
  encodePending,
  type OidcPending,
  OidcPendingSchema,
  OidcSignIn,
  oidcPendingCookieName,
} from "./oidc";
export { readOnce } from "./read-once";
export {
  type ApiContext,
  type ApiErrorData,
  type AppRouter,
  appRouter,
  createCaller,
  type SweepLauncher,
} from "./router";
export { sweepOrThrow } from "./router/sweep-access";
export { NO_ARTIFACT_STORE_CODE } from "./router/trials";
export {
  accountForOidc,
  closeSession,
  dashboardOrigin,
  fromSameOrigin,
  type OidcClaims,
  openSession,
  PasswordSignIn,
  PasswordSignInSchema,
  readCookie,
  SIGN_IN_ERRORS,
  SignInError,
  type SignInErrorCode,
  safeReturnPath,
  secureCookies,
  sessionCookie,
  sessionCookieName,
  setCookie,
  signInPath,
} from "./sign-in";
export { sweepLimitsFromEnv } from "./sweep-settings";
export { STORE_HELD_CODE } from "./trpc";
