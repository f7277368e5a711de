import type { RawValue } from '../../../core/engines/athena/decode.js';

/**
 * A scanner for the one CSV dialect Athena writes its SELECT results in: one header row, every
 * non-null value quoted (`"..."`, a quote inside doubled: `""`), NULL an empty unquoted field,
 * fields separated by commas, records ending with a line feed. The AWS documentation says only
 * "CSV" and does not name the line terminator; the files seen have `\n`, and `\r\n` is accepted
 * as well, so a file rewritten with Windows line endings reads the same. A line break or a
 * carriage return inside a quoted value is part of the value.
 *
 * Unquoted non-empty fields (which Athena does not write) are read as text up to the next comma
 * or line break, as a general CSV parser would, so the scanner reads what the general parser
 * it replaces read.
 *
 * The text is scanned once, quoted values found with `indexOf` (a native search), values cut
 * with `slice`: no per-character JavaScript work inside a value, no state machine per byte.
 */

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

export class CsvShapeError extends Error {
  constructor(columns: number) {
    super(`The result file is not valid CSV: a record does not have ${columns} values`);
    this.name = 'CsvShapeError';
  }
}

/**
 * Scans whole records: `text` must end at a record's end, its line break removed (a line break
 * at the end starts one more, empty, record).
 * Returns undefined when a quoted value is not closed before the end (the text was cut inside
 * it); throws a CsvShapeError when a record does not have `columns` values.
 */
export function scanCsv(text: string, columns: number): RawValue[][] | undefined {
  const rows: RawValue[][] = [];
  const n = text.length;
  if (n === 0) return rows;
  let pos = 0;
  // A line break at the very end starts one more record, an empty one (a NULL of a one-column result).
  for (let more = true; more; ) {
    more = false;
    const row = new Array<RawValue>(columns);
    for (let c = 0; ; c++) {
      let value: RawValue;
      if (text.charCodeAt(pos) === QUOTE) {
        const start = pos + 1;
        const q = text.indexOf('"', start);
        if (q < 0) return undefined;
        if (text.charCodeAt(q + 1) !== QUOTE) {
          value = text.slice(start, q);
          pos = q + 1;
        } else {
          const end = closingQuote(text, q);
          if (end < 0) return undefined;
          value = text.slice(start, end).replaceAll('""', '"');
          pos = end + 1;
        }
      } else {
        const end = unquotedEnd(text, pos);
        if (text.charCodeAt(end) === QUOTE) throw new Error(`The result file is not valid CSV: a quote inside an unquoted value at ${end}`);
        value = end === pos ? null : text.slice(pos, end);
        pos = end;
      }
      if (c >= columns) throw new CsvShapeError(columns);
      row[c] = value;
      const next = text.charCodeAt(pos);
      if (next === COMMA) {
        pos++;
        continue;
      }
      if (c !== columns - 1) throw new CsvShapeError(columns);
      if (next === LF) pos++;
      else if (next === CR && text.charCodeAt(pos + 1) === LF) pos += 2;
      else if (pos < n) throw new Error(`The result file is not valid CSV: unexpected text after a value at ${pos}`);
      else break;
      more = true;
      break;
    }
    rows.push(row);
  }
  return rows;
}

/** The closing quote of a quoted value whose first quote pair (`""`) is at `q`; -1 when not closed. */
function closingQuote(text: string, q: number): number {
  for (let at = q + 2; ; ) {
    const next = text.indexOf('"', at);
    if (next < 0) return -1;
    if (text.charCodeAt(next + 1) !== QUOTE) return next;
    at = next + 2;
  }
}

/** Where an unquoted field that starts at `pos` ends: the next comma, line break or quote. */
function unquotedEnd(text: string, pos: number): number {
  const n = text.length;
  let at = pos;
  while (at < n) {
    const ch = text.charCodeAt(at);
    if (ch === COMMA || ch === LF || ch === QUOTE || (ch === CR && text.charCodeAt(at + 1) === LF)) return at;
    at++;
  }
  return at;
}

