export {
  type AccessStore,
  type ApiTokenRecord,
  type AuditRecord,
  authenticateToken,
  DuplicateError,
  LastOwnerError,
  type MembershipRecord,
  type NewApiToken,
  NewApiTokenSchema,
  type NewUser,
  NewUserSchema,
  ProjectIdSchema,
  type TokenIdentity,
  TokenRefusedError,
  type UserRecord,
} from "./access-store";
export { hashPassword, PasswordSchema, verifyPassword } from "./passwords";
export { ACTIONS, type Action, ActionSchema, can, ROLES, type Role, RoleSchema } from "./roles";
export { apiTokenId, type GeneratedApiToken, generateApiToken, hashApiToken, TOKEN_PREFIX } from "./tokens";
