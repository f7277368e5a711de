export { createFileAccessControl, createSwappableAccessControl, type AclPrincipal, type CheckRecord, type FileAccessControl, type FileAccessDecision, type SimpleDecision } from './file-access-control.js';
export { AccessRulesError, accessRulesSchema, parseAccessRules, validateAccessRules, TABLE_PRIVILEGES, type AccessRules, type TablePrivilege } from './rules.js';
export { runtimeAccessControl } from './runtime.js';
export { allowAll } from './allow-all.js';
