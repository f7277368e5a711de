import { describe, expect, it } from 'vitest';
import { AccessRulesError, createFileAccessControl, createSwappableAccessControl, parseAccessRules, validateAccessRules } from '../../../lambdas/core/acl/index.js';
import { tableVisibility } from '../../../lambdas/core/metadata/visibility.js';
import type { Analysis } from '../../../lambdas/core/ports/index.js';
import { analyze } from '../../../lambdas/core/sql/index.js';
import { ALICE_RULES } from '../../support/alice-rules.js';

const S = { catalog: 'hive', schema: 'locations' };
const alice = { user: 'alice', groups: ['analysts'] };
const bob = { user: 'bob', groups: ['hr', 'analysts'] };

function check(rules: unknown, sql: string, principal: { user: string; groups: string[]; roles?: string[] } = alice, session = S) {
  return createFileAccessControl(rules).check(principal, analyze(sql, session));
}

describe('rules validation', () => {
  it('accepts the format of Trino’s file-based access control', () => {
    const text = JSON.stringify({
      catalogs: [{ user: 'admin', catalog: '(mysql|system)', allow: 'all' }, { group: 'finance|human_resources', catalog: 'postgres', allow: true }, { catalog: 'hive', allow: 'all' }, { user: 'alice', catalog: 'postgresql', allow: 'read-only' }, { catalog: 'system', allow: 'none' }],
      schemas: [{ user: 'admin', schema: '.*', owner: true }, { user: 'guest', owner: false }, { catalog: 'default', schema: 'default', owner: true }],
      tables: [
        { user: 'admin', privileges: ['SELECT', 'INSERT', 'DELETE', 'UPDATE', 'OWNERSHIP'] },
        { user: 'banned_user', privileges: [] },
        { catalog: 'hive', schema: 'hr', table: 'employee', user: 'bob', privileges: ['SELECT'], columns: [{ name: 'ssn', allow: false }] },
        { catalog: 'default', schema: 'default', table: '.*', privileges: ['SELECT', 'GRANT_SELECT'] },
      ],
      functions: [{ catalog: 'pg', schema: 'system', function: 'query', privileges: ['EXECUTE'] }],
      impersonation: [{ original_user: 'admin', new_user: '.*' }, { original_user: '(.*)', new_user: '$1_test', allow: true }],
      queries: [{ allow: ['execute', 'kill'] }],
      targets: [{ group: 'etl', target: 'athena-provisioned-.*' }],
      routingGroups: [{ user: '.*', routingGroup: 'adhoc' }],
    });
    expect(() => parseAccessRules(text)).not.toThrow();
  });

  it('reports every problem with its path', () => {
    const result = validateAccessRules({
      catalogs: [{ catalog: 'hive', allow: 'some' }],
      tables: [{ user: '(', privileges: ['SELEC'] }, { privileges: ['SELECT'], filter: 'x > 1', columns: [{ name: 'a', mask: "'x'" }] }],
      impersonation: [{ new_user: 'x' }],
      bogus: [],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^catalogs\[0\]\.allow: /),
        'tables[0].user: not a valid regular expression',
        expect.stringMatching(/^tables\[0\]\.privileges\[0\]: /),
        expect.stringMatching(/^tables\[1\]\.filter: row filters are not supported/),
        expect.stringMatching(/^tables\[1\]\.columns\[0\]\.mask: column masks are not supported/),
        expect.stringMatching(/^impersonation\[0\]: original_user or original_role is required/),
        expect.stringMatching(/^\(root\): Unrecognized key: "bogus"/),
      ]),
    );
    expect(result.problems).toHaveLength(7);
  });

  it('throws AccessRulesError for invalid JSON and invalid rules', () => {
    expect(() => parseAccessRules('{')).toThrow(AccessRulesError);
    expect(() => createFileAccessControl({ tables: [{}] })).toThrow(/tables\[0\]\.privileges/);
  });

  it('enforces only when some data rules are given', () => {
    expect(createFileAccessControl({}).enforcing).toBe(false);
    expect(createFileAccessControl({ impersonation: [] }).enforcing).toBe(false);
    expect(createFileAccessControl({ tables: [] }).enforcing).toBe(true);
    expect(createFileAccessControl({ catalogs: [] }).enforcing).toBe(true);
  });
});

describe('table rules', () => {
  const rules = {
    tables: [
      { user: 'bob', catalog: 'hive', schema: 'locations', table: 'cities', privileges: ['SELECT'], columns: [{ name: 'mayor', allow: false }], description: 'bob reads cities' },
      { catalog: 'hive', schema: 'locations', privileges: [] },
      { catalog: 'hive', privileges: ['SELECT', 'INSERT', 'DELETE', 'UPDATE', 'OWNERSHIP'] },
    ],
  };

  it('first matching rule wins, with Trino’s denial text', () => {
    expect(check(rules, 'SELECT * FROM cities')).toMatchObject({ allowed: false, reason: 'Cannot select from table hive.locations.cities', rule: 'tables[1]' });
    expect(check(rules, 'SELECT name FROM cities', bob)).toMatchObject({ allowed: true, rule: 'tables[0] (bob reads cities)' });
    expect(check(rules, 'SELECT * FROM hive.other.t')).toMatchObject({ allowed: true, rule: 'tables[2]' });
  });

  it('patterns match the whole value', () => {
    expect(check({ tables: [{ user: 'bo', privileges: ['SELECT'] }] }, 'SELECT 1 FROM t', bob)).toMatchObject({ allowed: false });
    expect(check({ tables: [{ user: 'bo.', privileges: ['SELECT'] }] }, 'SELECT 1 FROM t', bob)).toMatchObject({ allowed: true });
  });

  it('matches groups and roles', () => {
    const r = { tables: [{ group: 'hr', privileges: ['SELECT'] }, { role: 'auditor', privileges: ['SELECT'] }] };
    expect(check(r, 'SELECT 1 FROM t', bob).allowed).toBe(true);
    expect(check(r, 'SELECT 1 FROM t', alice).allowed).toBe(false);
    expect(check(r, 'SELECT 1 FROM t', { ...alice, roles: ['auditor'] }).allowed).toBe(true);
  });

  it('denies restricted columns, named or through *', () => {
    expect(check(rules, 'SELECT mayor FROM cities', bob)).toMatchObject({ allowed: false, reason: 'Cannot select from columns [mayor] in table or view hive.locations.cities' });
    expect(check(rules, 'SELECT * FROM cities', bob)).toMatchObject({ allowed: false, reason: 'Cannot select from columns [mayor] in table or view hive.locations.cities' });
    expect(check(rules, 'SELECT c.* FROM cities c', bob).allowed).toBe(false);
    expect(check(rules, 'SELECT count(*) FROM cities WHERE mayor IS NULL', bob).allowed).toBe(false);
    expect(check(rules, 'SELECT count(*) FROM cities', bob).allowed).toBe(true);
  });

  it('checks each operation’s privilege', () => {
    const r = { catalogs: [{ catalog: 'hive', allow: 'all' }, { catalog: 'ro', allow: 'read-only' }], tables: [{ schema: 'a', privileges: ['SELECT', 'INSERT'] }, { schema: 'b', privileges: ['DELETE'] }, { privileges: ['SELECT', 'INSERT', 'DELETE', 'UPDATE', 'OWNERSHIP'] }] };
    expect(check(r, 'INSERT INTO hive.a.t SELECT 1').allowed).toBe(true);
    expect(check(r, 'DELETE FROM hive.a.t')).toMatchObject({ allowed: false, reason: 'Cannot delete from table hive.a.t' });
    expect(check(r, 'UPDATE hive.a.t SET x = 1, y = 2')).toMatchObject({ reason: 'Cannot update columns [x, y] in table hive.a.t' });
    expect(check(r, 'TRUNCATE TABLE hive.a.t')).toMatchObject({ reason: 'Cannot truncate table hive.a.t' });
    expect(check(r, 'CREATE TABLE hive.a.n AS SELECT 1')).toMatchObject({ reason: 'Cannot create table hive.a.n' });
    expect(check(r, 'CREATE VIEW hive.a.v AS SELECT 1')).toMatchObject({ reason: 'Cannot create view hive.a.v' });
    expect(check(r, "COMMENT ON TABLE hive.a.t IS 'x'")).toMatchObject({ reason: 'Cannot comment table to hive.a.t' });
    expect(check(r, 'ALTER TABLE hive.a.t ADD COLUMN c int')).toMatchObject({ reason: 'Cannot add a column to table hive.a.t' });
    expect(check(r, 'DELETE FROM hive.b.t').allowed).toBe(true);
    // A WHERE clause reads the table: Trino checks SELECT on the columns it references.
    expect(check(r, 'DELETE FROM hive.b.t WHERE x = 1')).toMatchObject({ allowed: false, reason: 'Cannot select from table hive.b.t' });
    // A read-only catalog: reads pass, writes do not.
    expect(check(r, 'SELECT * FROM ro.s.t').allowed).toBe(true);
    expect(check(r, 'INSERT INTO ro.s.t VALUES 1')).toMatchObject({ allowed: false, reason: 'Cannot insert into table ro.s.t', rule: 'catalogs[1]' });
    expect(check(r, 'SELECT * FROM other.s.t')).toMatchObject({ allowed: false, rule: 'default: no catalogs rule matched catalog other' });
  });

  it('GRANT_SELECT allows reading', () => {
    expect(check({ tables: [{ privileges: ['GRANT_SELECT'] }] }, 'SELECT * FROM t').allowed).toBe(true);
  });

  it('checks a metadata table and its base table', () => {
    const r = { tables: [{ table: 'cities', privileges: [] }, { privileges: ['SELECT'] }] };
    expect(check(r, 'SELECT * FROM "cities$partitions"')).toMatchObject({ allowed: false, reason: 'Cannot select from table hive.locations.cities$partitions' });
    expect(check(r, 'SELECT * FROM "towns$partitions"').allowed).toBe(true);
  });

  it('denies what it cannot qualify, analyze or see', () => {
    expect(check({ tables: [{ privileges: ['SELECT'] }] }, 'SELECT * FROM t', alice, {} as typeof S)).toMatchObject({ allowed: false, reason: expect.stringMatching(/not fully qualified/) });
    expect(check({ tables: [] }, 'SELEC 1')).toMatchObject({ allowed: false, reason: expect.stringMatching(/^the statement could not be analyzed/) });
    expect(check({ tables: [] }, 'EXECUTE q')).toMatchObject({ allowed: false, reason: expect.stringMatching(/could not be analyzed completely.*EXECUTE q/) });
    const broken: Analysis = { ok: false, kind: 'unknown', tables: [], error: 'x' };
    expect(createFileAccessControl({}).check(alice, broken).allowed).toBe(false);
  });

  it('records every check with its rule for the audit trail', () => {
    const d = check(rules, 'SELECT c.name FROM cities c JOIN hive.x.y ON true', bob);
    expect(d.allowed).toBe(true);
    expect(d.checks).toEqual([
      { object: 'hive.locations.cities', what: 'select', allowed: true, rule: 'tables[0] (bob reads cities)' },
      { object: 'hive.locations.cities', what: 'columns', allowed: true, rule: 'tables[0] (bob reads cities)' },
      { object: 'hive.x.y', what: 'select', allowed: true, rule: 'tables[2]' },
    ]);
    expect(d.rule).toBe('tables[0] (bob reads cities); tables[2]');
  });
});

describe('schemas, catalogs, functions and procedures', () => {
  it('needs schema ownership for schema DDL', () => {
    const r = { schemas: [{ user: 'bob', schema: 'sandbox', owner: true }], tables: [{ privileges: ['SELECT'] }] };
    expect(check(r, 'CREATE SCHEMA hive.sandbox', bob).allowed).toBe(true);
    expect(check(r, 'CREATE SCHEMA hive.sandbox')).toMatchObject({ allowed: false, reason: 'Cannot create schema hive.sandbox' });
    expect(check(r, 'DROP SCHEMA hive.other', bob)).toMatchObject({ allowed: false, reason: 'Cannot drop schema hive.other' });
  });

  it('shows tables of a schema only to who has something in it', () => {
    const r = { tables: [{ group: 'hr', schema: 'hr', privileges: ['SELECT'] }, { schema: 'public', privileges: ['SELECT'] }] };
    expect(check(r, 'SHOW TABLES FROM hive.hr', bob).allowed).toBe(true);
    expect(check(r, 'SHOW TABLES FROM hive.hr')).toMatchObject({ allowed: false, reason: 'Cannot show tables of schema hive.hr' });
    expect(check(r, 'SHOW SCHEMAS FROM hive').allowed).toBe(true);
    expect(check({ catalogs: [{ catalog: 'hive', allow: 'none' }] }, 'SHOW SCHEMAS FROM hive')).toMatchObject({ allowed: false, reason: 'Cannot show schemas' });
    expect(check({ catalogs: [{ catalog: 'hive', allow: 'none' }] }, 'USE hive.x')).toMatchObject({ allowed: false, reason: 'Cannot access catalog hive' });
  });

  it('allows connector table functions and procedures only through rules', () => {
    const sql = "SELECT * FROM TABLE(system.query(query => 'SELECT 1'))";
    const pg = { catalog: 'pg', schema: 'public' };
    expect(createFileAccessControl({ tables: [{ privileges: ['SELECT'] }] }).check(alice, analyze(sql, pg))).toMatchObject({ allowed: false, reason: 'Cannot execute table function pg.system.query' });
    expect(createFileAccessControl({ tables: [], functions: [{ user: 'alice', catalog: 'pg', function: 'query', privileges: ['EXECUTE'] }] }).check(alice, analyze(sql, pg)).allowed).toBe(true);
    expect(check({ tables: [] }, 'SELECT * FROM TABLE(sequence(start => 1, stop => 2))').allowed).toBe(true);
    expect(check({ tables: [] }, "CALL system.flush_metadata_cache(schema_name => 'x')")).toMatchObject({ allowed: false, reason: 'Cannot execute procedure hive.system.flush_metadata_cache' });
    expect(check({ tables: [], procedures: [{ procedure: 'flush_metadata_cache', privileges: ['EXECUTE'] }] }, "CALL system.flush_metadata_cache(schema_name => 'x')").allowed).toBe(true);
  });

  it('denies role management and catalog DDL', () => {
    expect(check({ tables: [] }, 'CREATE ROLE r')).toMatchObject({ allowed: false, reason: 'Cannot create role' });
    expect(check({ tables: [] }, 'DROP CATALOG hive')).toMatchObject({ allowed: false, reason: 'Cannot drop catalog hive' });
  });
});

describe('impersonation, targets and routing groups', () => {
  const control = createFileAccessControl({
    impersonation: [{ original_user: 'admin', new_user: 'root', allow: false }, { original_user: 'admin', new_user: '.*' }, { original_user: 'svc_(.*)', new_user: '$1' }],
    targets: [{ group: 'etl', target: 'athena-provisioned-.*' }, { target: 'athena-provisioned-.*', allow: false }, { target: '.*' }],
    routingGroups: [{ user: 'intern', routingGroup: 'etl', allow: false }, { routingGroup: '.*' }],
  });

  it('follows the impersonation rules in order', () => {
    expect(control.canImpersonate('admin', 'alice')).toMatchObject({ allowed: true, rule: 'impersonation[1]' });
    expect(control.canImpersonate('admin', 'root')).toMatchObject({ allowed: false, reason: 'User admin cannot impersonate user root', rule: 'impersonation[0]' });
    expect(control.canImpersonate('svc_bob', 'bob').allowed).toBe(true);
    expect(control.canImpersonate('svc_bob', 'alice').allowed).toBe(false);
    expect(control.canImpersonate('alice', 'alice').allowed).toBe(true);
    expect(createFileAccessControl({}).canImpersonate('a', 'b')).toMatchObject({ allowed: false, reason: 'User a cannot impersonate user b' });
  });

  it('checks SET SESSION AUTHORIZATION against the impersonation rules', () => {
    const c = createFileAccessControl({ tables: [], impersonation: [{ original_user: 'svc_(.*)', new_user: '$1' }] });
    expect(c.check({ user: 'svc_bob', groups: [] }, analyze("SET SESSION AUTHORIZATION 'bob'")).allowed).toBe(true);
    expect(c.check({ user: 'svc_bob', groups: [] }, analyze("SET SESSION AUTHORIZATION 'eve'"))).toMatchObject({ allowed: false, reason: 'User svc_bob cannot impersonate user eve' });
  });

  it('decides which targets and routing groups a user may use', () => {
    expect(control.canUseTarget({ user: 'x', groups: ['etl'] }, 'athena-provisioned-1', 'etl')).toMatchObject({ allowed: true, rule: 'routingGroups[1]; targets[0]' });
    expect(control.canUseTarget({ user: 'x', groups: [] }, 'athena-provisioned-1', 'adhoc')).toMatchObject({ allowed: false, rule: 'targets[1]' });
    expect(control.canUseTarget({ user: 'x', groups: [] }, 'athena-ondemand', 'adhoc').allowed).toBe(true);
    expect(control.canUseTarget({ user: 'intern', groups: ['etl'] }, 'athena-provisioned-1', 'etl')).toMatchObject({ allowed: false, reason: 'User intern may not use routing group etl' });
    expect(createFileAccessControl({}).canUseTarget(alice, 'any', 'any').allowed).toBe(true);
  });

  it('can swap its rules at run time', () => {
    const c = createSwappableAccessControl({ tables: [{ privileges: [] }] });
    expect(c.check(alice, analyze('SELECT * FROM t', S)).allowed).toBe(false);
    c.replace({ tables: [{ privileges: ['SELECT'] }] });
    expect(c.check(alice, analyze('SELECT * FROM t', S)).allowed).toBe(true);
    expect(() => c.replace({ tables: [{ privileges: ['NOPE'] }] })).toThrow(AccessRulesError);
    expect(c.check(alice, analyze('SELECT * FROM t', S)).allowed).toBe(true);
  });
});

describe('hidden columns', () => {
  const TINY = { catalog: 'tpch', schema: 'tiny' };
  const reader = { ...alice, method: 'header' };
  const customer = ['c_custkey', 'c_name', 'c_address', 'c_nationkey', 'c_phone', 'c_acctbal', 'c_mktsegment', 'c_comment'];

  it('are denied in queries, named, through * or through a relation’s column aliases', () => {
    const control = createFileAccessControl(ALICE_RULES);
    const decide = (sql: string) => control.check(alice, analyze(sql, TINY));
    expect(decide('SELECT c_custkey, c_name FROM customer').allowed).toBe(true);
    expect(decide('SELECT * FROM customer')).toMatchObject({ allowed: false, reason: 'Cannot select from columns [c_acctbal, c_address, c_comment, c_mktsegment, c_nationkey, c_phone] in table or view tpch.tiny.customer' });
    expect(decide('SELECT c_phone FROM customer')).toMatchObject({ allowed: false, reason: 'Cannot select from columns [c_phone] in table or view tpch.tiny.customer' });
    expect(decide('SELECT count(*) FROM customer WHERE c_acctbal > 0').allowed).toBe(false);
    expect(decide('SELECT a, d, e FROM customer AS c(a, b, cc, d, e, f, g, h)').allowed).toBe(false);
  });

  it('are left out of what the metadata answers list, by the same rules', () => {
    const visibility = tableVisibility(createFileAccessControl(ALICE_RULES));
    expect(visibility.restricted).toBe(true);
    expect(visibility(reader, 'tpch.tiny.customer')).toBe(true);
    expect(visibility.visibleColumns(reader, ['tpch', 'tiny', 'customer'], customer)).toEqual(['c_custkey', 'c_name']);
    expect(visibility.visibleColumns(reader, ['tpch', 'tiny', 'customer'], customer.map((c) => c.toUpperCase()))).toEqual(['C_CUSTKEY', 'C_NAME']);
    expect(visibility.visibleColumns(reader, ['tpch', 'tiny', 'nation'], ['n_name', 'n_comment'])).toEqual(['n_name', 'n_comment']);
    expect(visibility.visibleColumns(reader, ['tpch', 'tiny', 'orders'], ['o_orderkey'])).toEqual([]);
    const open = tableVisibility(createSwappableAccessControl({}));
    expect(open.restricted).toBe(false);
    expect(open.visibleColumns(reader, ['tpch', 'tiny', 'customer'], customer)).toEqual(customer);
  });

  it('follow rules swapped at run time', () => {
    const control = createSwappableAccessControl({});
    const visibility = tableVisibility(control);
    expect(visibility.visibleColumns(reader, ['tpch', 'tiny', 'customer'], customer)).toHaveLength(8);
    control.replace(ALICE_RULES);
    expect(visibility.restricted).toBe(true);
    expect(visibility.visibleColumns(reader, ['tpch', 'tiny', 'customer'], customer)).toEqual(['c_custkey', 'c_name']);
  });
});
