import type { NextConfig } from "next";

const config: NextConfig = {
  // The stylesheet is a few kB: inlined, the first paint does not wait for a second request to a server that may be
  // busy computing the page's statistics (it cut the sweep page's first paint in bench/dashboard-render.ts).
  experimental: { inlineCss: true },
  // Workspace packages export their TypeScript sources; Next compiles them like its own.
  transpilePackages: [
    "@tailsweep/api",
    "@tailsweep/charts",
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
  ],
};

export default config;
