import type { AccessControl } from '../ports/index.js';

/** No access rules: every statement is allowed, and one that cannot be analyzed is not denied for it. */
export const allowAll: AccessControl = {
  enforcing: false,
  check: () => ({ allowed: true }),
};
