import type { NextConfig } from "next";

/**
 * Sent with every response. The pages load nothing from elsewhere, so the policy allows this origin only. Scripts and
 * styles also need 'unsafe-inline': Next inlines its hydration data and (with inlineCss) the stylesheet; nonces would
 * need every page rendered per request through middleware. Charts are inline SVG; exports are same-origin downloads.
 */
const SECURITY_HEADERS = [
  {
    key: "Content-Security-Policy",
    value: [
      "default-src 'self'",
      "script-src 'self' 'unsafe-inline'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join("; "),
  },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Referrer-Policy", value: "same-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
];

const config: NextConfig = {
  // The stylesheet is a few kB: inlined, the first paint does not wait for a second request to a server that may be
  // busy computing the page's statistics (it cut the sweep page's first paint in bench/dashboard-render.ts).
  experimental: { inlineCss: true },
  // Workspace packages export their TypeScript sources; Next compiles them like its own.
  transpilePackages: [
    "@tailsweep/access",
    "@tailsweep/analysis",
    "@tailsweep/api",
    "@tailsweep/charts",
    "@tailsweep/data",
    "@tailsweep/db",
    "@tailsweep/stats",
    "@tailsweep/sweep",
    "@tailsweep/schemas",
  ],
  // Native and wasm-backed database drivers load at run time from node_modules, not from the bundle.
  serverExternalPackages: [
    "@electric-sql/pglite",
    "pglite-prisma-adapter",
    "pg",
    "@prisma/adapter-pg",
    "@prisma/client",
    "@node-rs/argon2",
  ],
  poweredByHeader: false,
  async headers() {
    return [{ source: "/:path*", headers: SECURITY_HEADERS }];
  },
};

export default config;
