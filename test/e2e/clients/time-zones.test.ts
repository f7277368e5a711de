import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../../lambdas/local/server.js';
import { raw, startClientServer } from './support.js';

/**
 * `timestamp with time zone` on the local engine, against the values Trino gives: printed in the
 * session's zone (X-Trino-Time-Zone, the server's by default) with the zone's id, and in the
 * zone a column's own expression names (a literal with a zone, at_timezone, ...).
 */
let server: LocalServer;
beforeAll(async () => {
  server = await startClientServer();
});
afterAll(async () => {
  await server?.close();
});

const one = async (sql: string, headers: Record<string, string> = {}) => {
  const { final, rows, columns } = await raw(server.url, sql, headers);
  expect(final.error).toBeUndefined();
  return { value: rows[0]![0], type: columns![0]!.type, row: rows[0]! };
};
const tokyo = { 'X-Trino-Time-Zone': 'Asia/Tokyo' };

describe('timestamp with time zone on the local engine', () => {
  it('keeps a literal\'s zone, as Trino prints it', async () => {
    expect(await one(`SELECT TIMESTAMP '2020-06-01 10:00:00 America/New_York'`)).toMatchObject({ value: '2020-06-01 10:00:00.000 America/New_York', type: 'timestamp with time zone' });
    expect((await one(`SELECT TIMESTAMP '2020-06-01 10:00:00 America/New_York' AS t`, tokyo)).value).toBe('2020-06-01 10:00:00.000 America/New_York');
    expect((await one(`SELECT TIMESTAMP '2020-06-01 10:00:00.5 +02:00'`)).value).toBe('2020-06-01 10:00:00.500 +02:00');
    expect((await one(`SELECT TIMESTAMP '2020-01-15 08:30:00 Europe/Paris' AS winter, TIMESTAMP '2020-06-01 10:00:00 UTC' utc`)).row).toEqual(['2020-01-15 08:30:00.000 Europe/Paris', '2020-06-01 10:00:00.000 UTC']);
  });

  it('keeps the instant: the same instant in two zones is equal', async () => {
    expect((await one(`SELECT TIMESTAMP '2020-06-01 10:00:00 America/New_York' = TIMESTAMP '2020-06-01 14:00:00 UTC'`)).value).toBe(true);
  });

  it('prints at_timezone and with_timezone in the zone they name', async () => {
    expect((await one(`SELECT at_timezone(TIMESTAMP '2020-06-01 10:00:00 UTC', 'America/Los_Angeles')`)).value).toBe('2020-06-01 03:00:00.000 America/Los_Angeles');
    expect((await one(`SELECT with_timezone(TIMESTAMP '2020-06-01 10:00:00', 'America/Los_Angeles')`)).value).toBe('2020-06-01 10:00:00.000 America/Los_Angeles');
  });

  it('reads from_iso8601_timestamp without an offset in the session zone, and keeps an offset it has', async () => {
    expect((await one(`SELECT from_iso8601_timestamp('2020-06-01T10:00:00')`, tokyo)).value).toBe('2020-06-01 10:00:00.000 Asia/Tokyo');
    expect((await one(`SELECT from_iso8601_timestamp('2020-06-01T10:00:00Z')`, tokyo)).value).toBe('2020-06-01 10:00:00.000 UTC');
    expect((await one(`SELECT from_iso8601_timestamp('2020-06-01T10:00:00+02:00')`, tokyo)).value).toBe('2020-06-01 10:00:00.000 +02:00');
    // Inside an expression: the instant is the same, printed in the session zone.
    expect((await one(`SELECT from_iso8601_timestamp('2020-06-01T10:00:00') = TIMESTAMP '2020-06-01 01:00:00 UTC'`, tokyo)).value).toBe(true);
  });

  it('prints current_timestamp in the session zone, by default the server\'s', async () => {
    const inTokyo = (await one('SELECT current_timestamp', tokyo)).value as string;
    expect(inTokyo).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} Asia\/Tokyo$/);
    const wall = Date.parse(inTokyo.slice(0, 23).replace(' ', 'T') + 'Z') - 9 * 3_600_000;
    expect(Math.abs(wall - Date.now())).toBeLessThan(60_000);
    const serverZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    expect((await one('SELECT current_timestamp')).value).toMatch(new RegExp(` ${serverZone.replace(/[/+]/g, '\\$&')}$`));
    expect((await one('SELECT current_timezone()', tokyo)).value).toBe('Asia/Tokyo');
  });

  it('fails a session zone it does not know, as Trino does', async () => {
    const { final } = await raw(server.url, 'SELECT current_timestamp', { 'X-Trino-Time-Zone': 'Mars/Olympus' });
    expect(final.error).toMatchObject({ errorType: 'USER_ERROR' });
    expect(final.error!.message).toContain('Time zone not supported: Mars/Olympus');
  });
});
