export {
  acquireControllerLease,
  CONTROLLER_LEASE_LOST_CODE,
  CONTROLLER_SESSION_PREFIX,
  type ControllerLease,
  type ControllerLeaseOptions,
  controllerServing,
} from "./controller-lease";
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
export {
  STORE_LOCK_FILE,
  STORE_LOCKED_CODE,
  StoreLockedError,
  type StoreLockHolder,
} from "./store-lock";
