import type { QueryState } from '../ports/index.js';

export const FINAL_STATES: readonly QueryState[] = ['FINISHED', 'FAILED', 'CANCELED'];

/**
 * `create` cannot store the item as it is, even compressed (DynamoDB holds 400 KB per item): the
 * gateway then records a shortened item, failed with a clear answer.
 */
export class RecordTooLargeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RecordTooLargeError';
  }
}

export function isRecordTooLarge(error: unknown): boolean {
  return error instanceof RecordTooLargeError || (error instanceof Error && error.name === 'RecordTooLargeError');
}
