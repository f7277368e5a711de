/**
 * The rules of the adversarial suite: alice reads tpch.tiny nation and region, customer without six
 * of its columns, and writes memory.default; everything else is denied.
 */
export const ALICE_RULES = {
  catalogs: [
    { user: 'alice', catalog: 'tpch', allow: 'read-only' },
    { user: 'alice', catalog: 'memory', allow: 'all' },
    { allow: 'none' },
  ],
  tables: [
    { user: 'alice', catalog: 'tpch', schema: 'tiny', table: 'nation|region', privileges: ['SELECT'] },
    {
      user: 'alice',
      catalog: 'tpch',
      schema: 'tiny',
      table: 'customer',
      privileges: ['SELECT'],
      columns: ['c_address', 'c_phone', 'c_acctbal', 'c_mktsegment', 'c_comment', 'c_nationkey'].map((name) => ({ name, allow: false })),
    },
    { user: 'alice', catalog: 'memory', schema: 'default', privileges: ['SELECT', 'INSERT', 'DELETE', 'UPDATE', 'OWNERSHIP'] },
    { privileges: [] },
  ],
};
