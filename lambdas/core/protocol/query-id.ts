import { randomInt } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const ID_PATTERN = /^\d{8}_\d{6}_\d{5}_[a-z0-9]{5}$/;

/**
 * Query ids shaped as Trino's (`YYYYMMDD_HHMMSS_NNNNN_xxxxx`) so tools that parse them keep
 * working. Any gateway instance may mint ids at once, so the last two parts are random rather
 * than a per-coordinator counter; the store's create is conditional, so a clash cannot overwrite.
 */
export function newQueryId(now: number): string {
  const d = new Date(now);
  const pad = (v: number, w = 2) => String(v).padStart(w, '0');
  const date = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += ALPHABET[randomInt(ALPHABET.length)];
  return `${date}_${time}_${pad(randomInt(100000), 5)}_${suffix}`;
}

/** The length of every id `newQueryId` makes. */
export const QUERY_ID_LENGTH = 27;

/**
 * Whether `text` can be one of Bifrost's query ids. Every id a client hands in (nextUri paths,
 * DELETE and GET /v1/query/{id}, the admin API) is checked with this before the store is asked:
 * anything else is answered as an unknown query, whatever its length or characters.
 */
export function isQueryId(text: unknown): text is string {
  return typeof text === 'string' && text.length === QUERY_ID_LENGTH && ID_PATTERN.test(text);
}
