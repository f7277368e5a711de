import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, BatchGetCommand, GetCommand, TransactWriteCommand, UpdateCommand, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { PeriodKey, SpendCounter, SpendEntry, SpendFigures, SpendReader, SpendScope } from '../../core/ports/index.js';
import { periodKey, scopeId, scopeOf, spendScopes } from '../../core/budgets/periods.js';
import { CONFIG_TABLE } from './tables.js';

/**
 * Spend counters as items of the config table (docs/budgets.md), keyed apart from the config
 * documents: `spend#<period>#<kind>#<name>` per scope and period (a UTC day `D2026-12-07` or month
 * `M2026-12`), with numbers grown by ADD, and one `spend#<period>#scopes` item per period listing
 * the scopes it has (for the admin page's spend view).
 *
 * A query's spend is added exactly once: the write that records its final statistics also sets
 * `spendDue` on the query item (the query store), and one TransactWriteItems then removes
 * `spendDue` (on condition that it is there) and adds to every counter, all or nothing. A
 * process that dies between the two leaves `spendDue` for the sweeper to settle; a second try
 * finds it gone and adds nothing. The local DynamoDB (dynalite) has no transactions: there the
 * same steps run in order, in one process, with the conditional one first.
 */
const BATCH_GET_LIMIT = 100;

export function counterKey(period: PeriodKey, scope: SpendScope): string {
  return `spend#${period}#${scopeId(scope)}`;
}

function scopesKey(period: PeriodKey): string {
  return `spend#${period}#scopes`;
}

export interface SpendStoreOptions {
  /** TransactWriteItems is available (DynamoDB); false for dynalite. */
  transactions?: boolean;
}

export class DynamoSpendStore implements SpendReader {
  private transactions: boolean;
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    options: SpendStoreOptions = {},
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.transactions = options.transactions ?? true;
  }

  async read(keys: readonly { scope: SpendScope; period: PeriodKey }[]): Promise<SpendCounter[]> {
    return this.batchGet(keys.map((k) => counterKey(k.period, k.scope)));
  }

  async list(period: PeriodKey): Promise<SpendCounter[]> {
    const index = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { [CONFIG_TABLE.partitionKey]: scopesKey(period) } }));
    const scopes = index.Item?.scopes instanceof Set ? [...(index.Item.scopes as Set<string>)] : [];
    return this.batchGet(scopes.map((id) => `spend#${period}#${id}`));
  }

  /**
   * Adds a query's spend to its counters, consuming the `spendDue` mark of its item in the same
   * transaction (`due` names the item); false when the mark was gone (already counted).
   */
  async add(entry: SpendEntry, due: { table: string; key: Record<string, unknown> }): Promise<boolean> {
    const consume = {
      TableName: due.table,
      Key: due.key,
      UpdateExpression: 'REMOVE spendDue, openShard',
      ConditionExpression: 'attribute_exists(spendDue)',
    };
    const updates = this.counterUpdates(entry);
    if (this.transactions) {
      try {
        await this.doc.send(new TransactWriteCommand({ TransactItems: [{ Update: consume }, ...updates.map((u) => ({ Update: u }))] }));
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        if (!isUnsupported(error)) throw error;
        // An endpoint without transactions (dynalite): the steps in order, the conditional one first.
        this.transactions = false;
      }
    }
    try {
      await this.doc.send(new UpdateCommand(consume));
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
    await Promise.all(updates.map((u) => this.doc.send(new UpdateCommand(u))));
    return true;
  }

  private counterUpdates(entry: SpendEntry) {
    const scopes = spendScopes(entry);
    const out = [];
    for (const kind of ['day', 'month'] as const) {
      const period = periodKey(kind, entry.at);
      for (const scope of scopes) out.push(this.counterUpdate(period, scope, entry.figures));
      out.push({
        TableName: this.tableName,
        Key: { [CONFIG_TABLE.partitionKey]: scopesKey(period) },
        UpdateExpression: 'ADD scopes :scopes',
        ExpressionAttributeValues: { ':scopes': new Set(scopes.map(scopeId)) },
      });
    }
    return out;
  }

  private counterUpdate(period: PeriodKey, scope: SpendScope, figures: SpendFigures) {
    return {
      TableName: this.tableName,
      Key: { [CONFIG_TABLE.partitionKey]: counterKey(period, scope) },
      UpdateExpression: 'ADD #bytes :bytes, costUsd :cost, queries :queries, engineMs :engine SET scopeKind = :kind, scopeName = :name, #period = :period',
      ExpressionAttributeNames: { '#bytes': 'bytes', '#period': 'period' },
      ExpressionAttributeValues: { ':bytes': figures.bytes, ':cost': figures.costUsd, ':queries': figures.queries, ':engine': figures.engineMs, ':kind': scope.kind, ':name': scope.name, ':period': period },
    };
  }

  private async batchGet(keys: readonly string[]): Promise<SpendCounter[]> {
    const out: SpendCounter[] = [];
    const unique = [...new Set(keys)];
    for (let i = 0; i < unique.length; i += BATCH_GET_LIMIT) {
      let pending: Record<string, unknown>[] | undefined = unique.slice(i, i + BATCH_GET_LIMIT).map((k) => ({ [CONFIG_TABLE.partitionKey]: k }));
      for (let attempt = 0; pending?.length && attempt < 5; attempt++) {
        if (attempt) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
        const answer: BatchGetCommandOutput = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }));
        for (const item of answer.Responses?.[this.tableName] ?? []) {
          const counter = counterOf(item);
          if (counter) out.push(counter);
        }
        pending = answer.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return out;
  }
}

function counterOf(item: Record<string, unknown>): SpendCounter | undefined {
  const key = String(item[CONFIG_TABLE.partitionKey]);
  const [, period, ...rest] = key.split('#');
  const scope = scopeOf(rest.join('#'));
  if (!period || !scope) return undefined;
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return { scope, period, bytes: n(item.bytes), costUsd: Math.round(n(item.costUsd) * 1e6) / 1e6, queries: n(item.queries), engineMs: n(item.engineMs) };
}

function isUnsupported(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  return e?.name === 'UnknownOperationException' || /unknown ?operation|not supported/i.test(e?.message ?? '');
}

function isConditionFailure(error: unknown): boolean {
  const e = error as { name?: string; CancellationReasons?: { Code?: string }[] };
  if (e?.name === 'ConditionalCheckFailedException') return true;
  return e?.name === 'TransactionCanceledException' && e.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed';
}
