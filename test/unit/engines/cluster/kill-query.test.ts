import { describe, expect, it } from 'vitest';
import { parseKillQuery, rewriteKillQuery } from '../../../../lambdas/core/engines/cluster/kill-query.js';

describe('kill_query', () => {
  it.each([
    ["CALL system.runtime.kill_query(query_id => '20240501_101010_00042_abcde', message => 'too slow')", 'too slow'],
    ["call SYSTEM.RUNTIME.KILL_QUERY(message => 'too slow', query_id => '20240501_101010_00042_abcde');", 'too slow'],
    ["CALL system.runtime.kill_query('20240501_101010_00042_abcde', 'too slow')", 'too slow'],
    ["CALL \"system\".\"runtime\".\"kill_query\"(query_id => '20240501_101010_00042_abcde')", undefined],
    ["CALL runtime.kill_query(query_id => '20240501_101010_00042_abcde')", undefined],
  ])('reads %s', (sql, message) => {
    const kill = parseKillQuery(sql)!;
    expect(kill.queryId).toBe('20240501_101010_00042_abcde');
    expect(kill.message).toBe(message);
    expect(rewriteKillQuery(sql, kill, '20240501_999999_00001_upstr')).toBe(sql.replace("'20240501_101010_00042_abcde'", "'20240501_999999_00001_upstr'"));
  });

  it.each(["SELECT 'CALL system.runtime.kill_query(''x'')'", 'CALL system.runtime.kill_query(query_id => ?)', "CALL system.other.kill_query('x')", 'CALL system.runtime.kill_query(', "CALL system.runtime.kill_query(message => 'm')"])('ignores %s', (sql) => {
    expect(parseKillQuery(sql)).toBeUndefined();
  });

  it('escapes the replacement id', () => {
    const sql = "CALL system.runtime.kill_query('a')";
    expect(rewriteKillQuery(sql, parseKillQuery(sql)!, "x'y")).toBe("CALL system.runtime.kill_query('x''y')");
  });
});
