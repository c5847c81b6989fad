export { applyMigrations, MIGRATIONS_DIR, type SqlConnection } from "./migrate";
export {
  DEFAULT_PGLITE_DIR,
  type OpenedRunStore,
  openRunStore,
  type RunStoreOptions,
  runStoreOptionsFromEnv,
  STORE_ENV,
} from "./open-run-store";
export { PrismaAccessStore } from "./prisma-access-store";
export { PrismaRunStore } from "./prisma-run-store";
