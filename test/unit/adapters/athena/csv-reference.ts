/**
 * The reference the scanner is checked against: the general CSV parser (csv-simple-parser) that
 * read the result files before it, with the same contract (csv-pages.ts CsvRecordParser):
 * undefined when a quoted value is left open, an error when a record does not have one value per
 * column, NULL for an unquoted empty field and '' for `""`.
 */
import parseCsv from 'csv-simple-parser';
import type { RawValue } from '../../../../lambdas/core/engines/athena/decode.js';
import { CsvShapeError } from '../../../../lambdas/adapters/aws/athena/csv-scanner.js';

export function referenceParse(text: string, columns: number): RawValue[][] | undefined {
  let last = -1;
  let misshapen = false;
  const value = (v: string, _x: number, y: number, quoted: boolean): RawValue => {
    if (y === 0 ? last !== -1 && last !== columns - 1 : y !== last + 1 || y >= columns) misshapen = true;
    last = y;
    return quoted || v !== '' ? v : null;
  };
  let rows: RawValue[][];
  try {
    rows = parseCsv(text, { infer: value, optimistic: true }) as RawValue[][];
  } catch {
    return undefined;
  }
  if (misshapen || last !== columns - 1) throw new CsvShapeError(columns);
  return rows;
}
