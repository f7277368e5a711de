import { describe, expect, it } from 'vitest';
import { estimateCostUsd, finalPatch, queryErrorOf, queryStateOf } from '../../../lambdas/core/tracking/outcome.js';
import { historyQuery, isExpired } from '../../../lambdas/core/tracking/history.js';
import { trackingSettings } from '../../../lambdas/core/tracking/settings.js';
import { T0, config } from './support.js';

const MB = 2 ** 20;
const TB = 2 ** 40;

describe('estimateCostUsd', () => {
  it('charges the price per TB scanned, rounded up to the megabyte', () => {
    expect(estimateCostUsd(TB, 5, { state: 'FINISHED' })).toBe(5);
    expect(estimateCostUsd(100 * MB + 1, 5, { state: 'FINISHED' })).toBe(Math.round((101 * MB * 5 * 1e6) / TB) / 1e6);
  });
  it('charges at least 10 MB for a query that scanned anything', () => {
    expect(estimateCostUsd(1, 5, { state: 'FINISHED' })).toBe(Math.round((10 * MB * 5 * 1e6) / TB) / 1e6);
    expect(estimateCostUsd(1, 5, { state: 'CANCELED' })).toBeGreaterThan(0);
  });
  it('charges nothing for failed queries, DDL, or nothing scanned', () => {
    expect(estimateCostUsd(TB, 5, { state: 'FAILED' })).toBe(0);
    expect(estimateCostUsd(TB, 5, { state: 'FINISHED', statementType: 'DDL' })).toBe(0);
    expect(estimateCostUsd(0, 5, { state: 'FINISHED' })).toBe(0);
    expect(estimateCostUsd(undefined, 5, { state: 'FINISHED' })).toBe(0);
  });
});

describe('queryErrorOf', () => {
  it('keeps the Trino error name and location that Athena puts in its message', () => {
    expect(queryErrorOf({ category: 2, message: "COLUMN_NOT_FOUND: line 3:7: Column 'x' cannot be resolved" })).toMatchObject({
      errorName: 'COLUMN_NOT_FOUND',
      errorCode: 47,
      errorType: 'USER_ERROR',
      message: "line 3:7: Column 'x' cannot be resolved",
      errorLocation: { lineNumber: 3, columnNumber: 7 },
    });
  });
  it('falls back on the category', () => {
    expect(queryErrorOf({ category: 2, message: 'Amazon S3 bucket not found' })).toMatchObject({ errorName: 'GENERIC_USER_ERROR', message: 'Amazon S3 bucket not found' });
    expect(queryErrorOf({ category: 1, message: 'Internal error' })).toMatchObject({ errorName: 'GENERIC_INTERNAL_ERROR' });
    expect(queryErrorOf({ message: 'SOMETHING_NEW: odd' })).toMatchObject({ errorName: 'GENERIC_INTERNAL_ERROR', message: 'SOMETHING_NEW: odd' });
    expect(queryErrorOf(undefined, 'reason')).toMatchObject({ message: 'reason' });
  });
});

describe('states and patches', () => {
  it("maps Athena's states to Trino's", () => {
    expect(['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'toString', 'X'].map(queryStateOf)).toEqual(['QUEUED', 'RUNNING', 'FINISHED', 'FAILED', 'CANCELED', undefined, undefined]);
  });
  it('builds no statistics without a status', () => {
    expect(finalPatch('FINISHED', undefined, { pricePerTerabyteUsd: 5 })).toEqual({ state: 'FINISHED' });
  });
});

describe('settings and history helpers', () => {
  it('derives the client timeout, per-scan pricing and workgroups from the config', () => {
    const s = trackingSettings(config);
    expect(s.clientTimeoutMs).toBe(300_000);
    expect(s.pricePerTerabyteUsd('adhoc')).toBe(5);
    expect(s.pricePerTerabyteUsd('critical')).toBeUndefined();
    expect(s.pricePerTerabyteUsd('legacy')).toBeUndefined();
    expect(s.pricePerTerabyteUsd(undefined)).toBeUndefined();
    expect(s.ownsWorkgroup('bifrost-adhoc')).toBe(true);
    expect(s.ownsWorkgroup('primary')).toBe(false);
  });
  it('fills in and clamps a history query', () => {
    expect(historyQuery({}, T0)).toEqual({ from: T0 - 86_400_000, to: T0, limit: 50 });
    expect(historyQuery({ from: T0 + 5, to: T0, limit: 10_000, cursor: 'c' }, T0)).toEqual({ from: T0, to: T0, limit: 200, cursor: 'c' });
    expect(historyQuery({ limit: 0 }, T0).limit).toBe(1);
  });
  it('treats expiresAt as epoch seconds', () => {
    expect(isExpired(undefined, T0)).toBe(false);
    expect(isExpired(T0 / 1000, T0)).toBe(true);
    expect(isExpired(T0 / 1000 + 1, T0)).toBe(false);
  });
});
