import { gunzipSync, gzipSync } from 'node:zlib';
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand, type BatchGetCommandOutput, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AttachOptions, QueryRecord, QueryState, TargetDepth, TargetDepths, FinalStatistics, HistoryPage, HistoryQuery, IdleCutoffs, OpenQuery, QueryExtras, QueryHistory, QuerySummary, TrackedPatch, TrackedRecord, TrackingStore } from '../../core/ports/index.js';
import { FINAL_STATES, RecordTooLargeError } from '../../core/stores/query-store.js';
import { isExpired } from '../../core/tracking/history.js';
import { OPEN_QUERY_ATTRIBUTES, QUERIES_TABLE, QUERY_SUMMARY_ATTRIBUTES, WAITING_INDEX } from './tables.js';
import { compareArrival } from '../../core/routing/queueing.js';
import { DynamoTargetSlots } from './dynamo-target-slots.js';
import type { DynamoSpendStore } from './dynamo-spend-store.js';
import type { SpendFigures } from '../../core/ports/index.js';

/** Attributes the store keeps for its indexes and compressed texts; never part of a QueryRecord. */
const INTERNAL_ATTRIBUTES = ['activeKey', 'openShard', 'sqlPreview', 'sqlGzip', 'sessionJsonGzip'] as const;
const SQL_PREVIEW_CHARS = 500;
/**
 * Texts longer than this are stored gzip-compressed in a binary attribute (`sqlGzip`,
 * `sessionJsonGzip`): a statement with a 40,000-value IN list is some 300 KB of text, and an item
 * holds 400 KB in all. The compressed forms never reach an index.
 */
const COMPRESS_FROM_CHARS = 8_192;
/** What the store lets one item grow to at creation: DynamoDB's 400 KB, less room for later updates. */
const MAX_CREATED_ITEM_BYTES = 360_000;
/** Keys one BatchGetItem may ask for. */
const BATCH_GET_LIMIT = 100;
/** Round trips one history page may take when a filter drops most items. */
const MAX_HISTORY_ROUND_TRIPS = 10;

/**
 * The query item in DynamoDB. Every state change is one conditional UpdateItem, with no read
 * before it: final states stay final, and events carry a sequence number so duplicates and stale
 * events change nothing.
 *
 * Queue depth needs no counter. `activeKey` (`QUEUED#<queryId>` or `RUNNING#<queryId>`) exists
 * exactly while a query is active and is written in the same update as `state` (the writer knows
 * both parts: the new state and the item's key). The `active-by-target` index is keyed on
 * (`target`, `activeKey`), so it holds exactly the active queries that have a target, and a
 * target's depth is a COUNT query per state prefix on it. `openShard` does the same for every
 * non-final query (also those waiting at the gateway without a target), for the sweeper.
 */
export class DynamoQueryStore implements TrackingStore, TargetDepths, QueryHistory {
  private readonly doc: DynamoDBDocumentClient;
  /** The targets' queue slots: the write that ends a query gives its slot back (see `settle`). */
  readonly slots: DynamoTargetSlots;

  /** Where a query's spend is counted once its statistics are recorded (docs/budgets.md); absent: not counted. */
  private spend: DynamoSpendStore | undefined;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } });
    this.slots = new DynamoTargetSlots(this.doc, tableName);
  }

  /** Counts the spend of queries whose statistics this store records from now on. */
  countSpend(spend: DynamoSpendStore): this {
    this.spend = spend;
    return this;
  }

  // ---------------------------------------------------------------- QueryStore

  fits(record: QueryRecord): boolean {
    return itemSize(this.itemOf(record)) <= MAX_CREATED_ITEM_BYTES;
  }

  async create(record: QueryRecord): Promise<void> {
    const item = this.itemOf(record);
    const size = itemSize(item);
    if (size > MAX_CREATED_ITEM_BYTES) throw new RecordTooLargeError(`The query item would take ${size} bytes, more than the ${MAX_CREATED_ITEM_BYTES} the store allows`);
    try {
      await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(queryId)' }));
    } catch (error) {
      if ((error as Error)?.name === 'ValidationException' && /item size/i.test((error as Error).message)) throw new RecordTooLargeError((error as Error).message, { cause: error });
      throw error;
    }
  }

  /** The item as stored: long texts compressed, the sparse index keys of a query that is not final. */
  private itemOf(record: QueryRecord): Record<string, unknown> {
    const item: Record<string, unknown> = { ...record, sqlPreview: record.sql.slice(0, SQL_PREVIEW_CHARS) };
    for (const [name, packed] of [['sql', 'sqlGzip'], ['sessionJson', 'sessionJsonGzip']] as const) {
      const text = record[name];
      if (text !== undefined && text.length > COMPRESS_FROM_CHARS) {
        item[packed] = gzipSync(text);
        delete item[name];
      }
    }
    if (!FINAL_STATES.includes(record.state)) {
      item.activeKey = activeKey(record.state, record.queryId);
      item.openShard = openShard(record.queryId);
    }
    return item;
  }

  async get(queryId: string): Promise<TrackedRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { queryId }, ConsistentRead: true }));
    return out.Item ? withoutInternals(out.Item) : undefined;
  }

  async recordAccess(queryId: string, access: Record<string, unknown>): Promise<void> {
    await this.conditional({
      TableName: this.tableName,
      Key: { queryId },
      UpdateExpression: 'SET #access = :access',
      ConditionExpression: 'attribute_exists(queryId)',
      ExpressionAttributeNames: { '#access': 'access' },
      ExpressionAttributeValues: { ':access': access },
    });
  }

  async attachHandle(queryId: string, target: string, handle: string, engineQueryId?: string, start: AttachOptions = {}): Promise<boolean> {
    const names: Record<string, string> = { '#state': 'state' };
    const values: Record<string, unknown> = { ':target': target, ':handle': handle, ...(engineQueryId ? { ':eid': engineQueryId } : {}), ...finalValues() };
    const sets = ['target = :target', 'engineHandle = :handle', ...(engineQueryId ? ['engineQueryId = :eid'] : [])];
    const removes: string[] = [];
    if (start.slot !== undefined) {
      sets.push('slot = :slot');
      values[':slot'] = start.slot;
      if (start.slotMark) sets.push('slotMark = :mark');
      if (start.slotMark) values[':mark'] = true;
    }
    if (start.routing !== undefined) {
      // A waiting query leaves the line in the same write that starts it.
      sets.push('#routing = :routing');
      values[':routing'] = start.routing;
      names['#routing'] = 'routing';
      removes.push(WAITING_INDEX.partitionKey, 'routingRequest', 'waitingOn');
    }
    const out = await this.conditionalWithOld({
      TableName: this.tableName,
      Key: { queryId },
      // The query is not final, so its activeKey is already there: setting the target puts it in the index.
      UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: 'attribute_exists(queryId) AND attribute_not_exists(engineHandle) AND NOT (#state IN (:f1, :f2, :f3))',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
    if (out && start.routing !== undefined) await this.settle(out, { slot: false, waiting: true });
    return out !== undefined;
  }

  async transition(queryId: string, patch: TrackedPatch, now: number): Promise<boolean> {
    const names: Record<string, string> = { '#state': 'state' };
    const values: Record<string, unknown> = { ':state': patch.state, ':now': now, ...finalValues() };
    const sets = ['#state = :state', 'updatedAt = :now'];
    const conditions = ['attribute_exists(queryId)', 'NOT (#state IN (:f1, :f2, :f3))'];
    const optional = ['error', 'endReason', 'stats', 'updateType', 'updateCount', 'statistics', 'costUsd', 'access'] as const;
    for (const key of optional) {
      if (patch[key] !== undefined) {
        // Aliased: `error` is one of DynamoDB's reserved words.
        names[`#${key}`] = key;
        sets.push(`#${key} = :${key}`);
        values[`:${key}`] = patch[key];
      }
    }
    if (patch.eventSequence !== undefined) {
      sets.push('eventSequence = :seq');
      values[':seq'] = patch.eventSequence;
      conditions.push('(attribute_not_exists(eventSequence) OR eventSequence < :seq)');
    }
    if (patch.onlyIfPolledBefore !== undefined) {
      values[':polled'] = patch.onlyIfPolledBefore;
      conditions.push('(lastPollAt < :polled OR (attribute_not_exists(lastPollAt) AND createdAt < :polled))');
    }
    let update: string;
    const final = FINAL_STATES.includes(patch.state);
    const due = final ? this.spendOf(patch) : undefined;
    if (final) {
      sets.push('endedAt = :now');
      // Accounting still to do (statistics awaited, spend to count) keeps the query on the sweeper's list.
      const open = due !== undefined || (patch.awaitStatistics === true && patch.statistics === undefined);
      if (due) {
        sets.push('spendDue = :due');
        values[':due'] = due;
      }
      // Leaving the active index: the query no longer counts towards its target's depth; its
      // slot and its place in a waiting line are given back once this write has applied.
      update = `SET ${sets.join(', ')} REMOVE activeKey, ${open ? '' : 'openShard, '}waitingGroup, slot, slotMark, waitingOn`;
    } else {
      sets.push('activeKey = :activeKey');
      values[':activeKey'] = activeKey(patch.state, queryId);
      update = `SET ${sets.join(', ')}`;
      // A poll's write never takes a query back from RUNNING to QUEUED: that is a late write of
      // an earlier state. Athena itself may requeue a query (a retry), which its events (with a
      // newer sequence number) and the sweeper (from the status API) record.
      if (patch.state === 'QUEUED' && patch.forwardOnly) {
        conditions.push('#state <> :running');
        values[':running'] = 'RUNNING';
      }
    }
    const old = await this.conditionalWithOld({
      TableName: this.tableName,
      Key: { queryId },
      UpdateExpression: update,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
    // A writer that gives the marked slot back itself (alongside this write) leaves it to itself.
    if (old && final) await this.settle(old, { slot: !(patch.slotGivenBack && old.slotMark === true), waiting: true });
    if (old && due) await this.countQuery({ ...old, queryId } as unknown as TrackedRecord, due);
    return old !== undefined;
  }

  /** What a write recording statistics adds to the spend counters; undefined when nothing (or not counting). */
  private spendOf(patch: { statistics?: TrackedPatch['statistics']; costUsd?: number }): SpendFigures | undefined {
    if (!this.spend || !patch.statistics) return undefined;
    const bytes = patch.statistics.dataScannedBytes ?? 0;
    const costUsd = patch.costUsd ?? 0;
    if (bytes <= 0 && costUsd <= 0) return undefined;
    return { bytes, costUsd, queries: 1, engineMs: patch.statistics.engineTimeMillis ?? 0 };
  }

  /** Adds a query's spend to the counters; a failure leaves `spendDue` for the sweeper (settleSpend). */
  private async countQuery(record: TrackedRecord, due: SpendFigures): Promise<boolean> {
    try {
      const entry = { user: record.user, groups: record.groups ?? [], ...(record.source ? { source: record.source } : {}), ...(record.target ? { target: record.target } : {}), at: record.createdAt, figures: due };
      return await this.spend!.add(entry, { table: this.tableName, key: { queryId: record.queryId } });
    } catch {
      return false;
    }
  }

  async settleSpend(queryId: string): Promise<boolean> {
    if (!this.spend) return false;
    const record = await this.get(queryId);
    if (!record?.spendDue) return false;
    return this.countQuery(record, record.spendDue);
  }

  /**
   * Gives back what an item held before a write removed it: its slot, its place in a waiting
   * line. Best effort: a counter left too high is repaired by the periodic job (DynamoTargetSlots).
   */
  private async settle(old: Record<string, unknown>, what: { slot: boolean; waiting: boolean }): Promise<void> {
    const work: Promise<unknown>[] = [];
    if (what.slot && typeof old.slot === 'string') work.push(this.slots.release(old.slot, old.slotMark === true ? String(old.queryId) : undefined));
    const group = old[WAITING_INDEX.partitionKey];
    if (what.waiting && typeof group === 'string' && Array.isArray(old.waitingOn) && old.waitingOn.length) work.push(this.slots.markWaiting(group, old.waitingOn as string[], -1));
    await Promise.allSettled(work);
  }

  async touch(queryId: string, now: number): Promise<void> {
    await this.conditional({
      TableName: this.tableName,
      Key: { queryId },
      UpdateExpression: 'SET lastPollAt = :now',
      ConditionExpression: 'attribute_exists(queryId)',
      ExpressionAttributeValues: { ':now': now },
    });
  }

  // ---------------------------------------------------------------- TargetDepths

  /** Counts the target's entries in the sparse active index (eventually consistent, like any index read). */
  async depth(target: string): Promise<TargetDepth> {
    const [queued, running] = await Promise.all([this.countActive(target, 'QUEUED'), this.countActive(target, 'RUNNING')]);
    return { queued, running };
  }

  private async countActive(target: string, state: 'QUEUED' | 'RUNNING'): Promise<number> {
    const { name, partitionKey, sortKey } = QUERIES_TABLE.activeIndex;
    let count = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: name,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :state)',
          ExpressionAttributeNames: { '#pk': partitionKey, '#sk': sortKey },
          ExpressionAttributeValues: { ':pk': target, ':state': `${state}#` },
          Select: 'COUNT',
          ExclusiveStartKey: start,
        }),
      );
      count += out.Count ?? 0;
      start = out.LastEvaluatedKey;
    } while (start);
    return count;
  }

  // ---------------------------------------------------------------- tracking

  async findByEngineQueryId(engineQueryId: string): Promise<string | undefined> {
    const { name, partitionKey } = QUERIES_TABLE.engineIdIndex;
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: name,
        KeyConditionExpression: '#pk = :id',
        ExpressionAttributeNames: { '#pk': partitionKey },
        ExpressionAttributeValues: { ':id': engineQueryId },
        Limit: 1,
      }),
    );
    const id = out.Items?.[0]?.queryId;
    return typeof id === 'string' ? id : undefined;
  }

  async recordStatistics(queryId: string, final: FinalStatistics, _now: number): Promise<boolean> {
    const due = this.spendOf(final);
    // With spend to count the query stays on (or joins) the sweeper's list until it is counted; else it leaves it.
    const old = await this.conditionalWithOld({
      TableName: this.tableName,
      Key: { queryId },
      UpdateExpression: `SET statistics = :statistics${final.costUsd !== undefined ? ', costUsd = :cost' : ''}${due ? ', spendDue = :due, openShard = :shard' : ' REMOVE openShard'}`,
      ConditionExpression: 'attribute_exists(queryId) AND #state IN (:f1, :f2, :f3) AND attribute_not_exists(statistics)',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: {
        ':statistics': final.statistics,
        ...(final.costUsd !== undefined ? { ':cost': final.costUsd } : {}),
        ...(due ? { ':due': due, ':shard': openShard(queryId) } : {}),
        ...finalValues(),
      },
    });
    if (old && due) await this.countQuery({ ...old, queryId } as unknown as TrackedRecord, due);
    return old !== undefined;
  }

  async *listIdle(cutoffs: IdleCutoffs): AsyncIterable<OpenQuery> {
    const { name, partitionKey } = QUERIES_TABLE.openIndex;
    for (let shard = 0; shard < QUERIES_TABLE.openShards; shard++) {
      let start: Record<string, unknown> | undefined;
      do {
        const out = await this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: name,
            KeyConditionExpression: '#pk = :shard',
            FilterExpression: 'updatedAt < :updated OR lastPollAt < :polled OR (attribute_not_exists(lastPollAt) AND createdAt < :polled)',
            ExpressionAttributeNames: { '#pk': partitionKey },
            ExpressionAttributeValues: { ':shard': shard, ':updated': cutoffs.updatedBefore, ':polled': cutoffs.polledBefore },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of out.Items ?? []) yield pick(item, OPEN_QUERY_ATTRIBUTES) as unknown as OpenQuery;
        start = out.LastEvaluatedKey;
      } while (start);
    }
  }

  // ---------------------------------------------------------------- QueryHistory

  async find(queryId: string, now: number): Promise<TrackedRecord | undefined> {
    const record = await this.get(queryId);
    return record && !isExpired(record.expiresAt, now) ? record : undefined;
  }

  async extras(queryIds: readonly string[]): Promise<Map<string, QueryExtras>> {
    const out = new Map<string, QueryExtras>();
    const ids = [...new Set(queryIds)];
    for (let i = 0; i < ids.length; i += BATCH_GET_LIMIT) {
      let keys: Record<string, unknown>[] | undefined = ids.slice(i, i + BATCH_GET_LIMIT).map((queryId) => ({ queryId }));
      // Unprocessed keys (throttling) are asked again, a few times, with a short pause.
      for (let attempt = 0; keys?.length && attempt < 5; attempt++) {
        if (attempt) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        const answer: BatchGetCommandOutput = await this.doc.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ProjectionExpression: '#id, #stats, #groups', ExpressionAttributeNames: { '#id': 'queryId', '#stats': 'stats', '#groups': 'groups' } } } }),
        );
        for (const item of answer.Responses?.[this.tableName] ?? []) {
          out.set(String(item.queryId), { ...(item.stats ? { stats: item.stats as QueryExtras['stats'] } : {}), ...(Array.isArray(item.groups) ? { groups: item.groups as string[] } : {}) });
        }
        keys = answer.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return out;
  }

  async byUser(user: string, query: HistoryQuery, now: number): Promise<HistoryPage> {
    return this.history(QUERIES_TABLE.userIndex, user, query, now);
  }

  async byTarget(target: string, query: HistoryQuery & { state?: QueryState }, now: number): Promise<HistoryPage> {
    return this.history(QUERIES_TABLE.targetIndex, target, query, now, query.state);
  }

  /** Newest first within [from, to], skipping expired items (TTL deletes lag by up to days). */
  private async history(index: { name: string; partitionKey: string; sortKey: string }, key: string, query: HistoryQuery, now: number, state?: QueryState): Promise<HistoryPage> {
    const names: Record<string, string> = { '#pk': index.partitionKey, '#sk': index.sortKey };
    const values: Record<string, unknown> = { ':key': key, ':from': query.from, ':to': query.to, ':now': Math.floor(now / 1000) };
    let filter = '(attribute_not_exists(expiresAt) OR expiresAt > :now)';
    if (state) {
      names['#state'] = 'state';
      values[':state'] = state;
      filter += ' AND #state = :state';
    }
    const items: QuerySummary[] = [];
    let start = decodeCursor(query.cursor);
    for (let trip = 0; trip < MAX_HISTORY_ROUND_TRIPS; trip++) {
      const input: QueryCommandInput = {
        TableName: this.tableName,
        IndexName: index.name,
        KeyConditionExpression: '#pk = :key AND #sk BETWEEN :from AND :to',
        FilterExpression: filter,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        Limit: Math.max(query.limit, 100),
        ExclusiveStartKey: start,
      };
      const out = await this.doc.send(new QueryCommand(input));
      for (const item of out.Items ?? []) {
        items.push(pick(item, QUERY_SUMMARY_ATTRIBUTES) as unknown as QuerySummary);
        if (items.length === query.limit) {
          // Cut inside a page: continue right after the last item returned.
          const last = item as Record<string, unknown>;
          const more = item !== out.Items![out.Items!.length - 1] || out.LastEvaluatedKey !== undefined;
          return { items, ...(more ? { cursor: encodeCursor({ queryId: last.queryId, [index.partitionKey]: last[index.partitionKey], [index.sortKey]: last[index.sortKey] }) } : {}) };
        }
      }
      start = out.LastEvaluatedKey;
      if (!start) return { items };
    }
    return { items, cursor: encodeCursor(start!) };
  }

  // ---------------------------------------------------------------- helpers

  /** Runs a conditional update and answers the item as it was before; undefined when the condition refused it. */
  private async conditionalWithOld(input: ConstructorParameters<typeof UpdateCommand>[0]): Promise<Record<string, unknown> | undefined> {
    try {
      const out = await this.doc.send(new UpdateCommand({ ...input, ReturnValues: 'ALL_OLD' }));
      return out.Attributes ?? {};
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as Error)?.name === 'ConditionalCheckFailedException') return undefined;
      throw error;
    }
  }

  /** Runs a conditional update; false when the condition refused it. */
  private async conditional(input: ConstructorParameters<typeof UpdateCommand>[0]): Promise<boolean> {
    try {
      await this.doc.send(new UpdateCommand(input));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as Error)?.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  // ================================================================ gateway queue (routing)
  // Kept apart from the rest of the store on purpose. Reads the `waiting-by-group` index
  // (WAITING_INDEX in tables.ts: partition `waitingGroup`, sort `createdAt`, projecting state,
  // engineHandle and lastPollAt), declared in lambdas/contract.ts.
  // `waitingGroup` is written by create() as part of the record while a query waits, and removed
  // by leaveWaiting() once it has a target. The filter keeps the count right even for items that
  // still carry it (a query canceled or failed while waiting): removing `waitingGroup` in final
  // transitions as well would keep the index small.

  async countWaitingAhead(group: string, query: { queryId: string; createdAt: number }, liveSince: number, atMost: number): Promise<number> {
    let count = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: WAITING_INDEX.name,
          KeyConditionExpression: '#group = :group AND #created <= :created',
          // A filter may not name a key attribute: liveness (lastPollAt, else createdAt) is checked below.
          FilterExpression: '#state = :queued AND attribute_not_exists(#handle)',
          ProjectionExpression: 'queryId, #created, #polled',
          ExpressionAttributeNames: { '#group': WAITING_INDEX.partitionKey, '#created': WAITING_INDEX.sortKey, '#state': 'state', '#handle': 'engineHandle', '#polled': 'lastPollAt' },
          ExpressionAttributeValues: { ':group': group, ':created': query.createdAt, ':queued': 'QUEUED' },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of (out.Items ?? []) as { queryId: string; createdAt: number; lastPollAt?: number }[]) {
        if ((item.lastPollAt ?? item.createdAt) < liveSince || compareArrival(item, query) >= 0) continue;
        if (++count >= atMost) return count;
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return count;
  }

  async leaveWaiting(queryId: string, routing: Record<string, unknown>): Promise<void> {
    const old = await this.conditionalWithOld({
      TableName: this.tableName,
      Key: { queryId },
      UpdateExpression: 'SET #routing = :routing REMOVE #waiting, #request, waitingOn',
      ConditionExpression: 'attribute_exists(queryId)',
      ExpressionAttributeNames: { '#routing': 'routing', '#waiting': WAITING_INDEX.partitionKey, '#request': 'routingRequest' },
      ExpressionAttributeValues: { ':routing': routing },
    });
    if (old) await this.settle(old, { slot: false, waiting: true });
  }
  // ================================================================ end of gateway queue block
}

/**
 * The sort key of an active query in the active-by-target index. Unique per query: besides being
 * natural, dynalite (local mode) tells index entries with equal keys apart by a 24-bit hash only.
 */
function activeKey(state: string, queryId: string): string {
  return `${state}#${queryId}`;
}

/** Spreads the open-queries index over a few partitions, stable per query. */
export function openShard(queryId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < queryId.length; i++) {
    hash ^= queryId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % QUERIES_TABLE.openShards;
}

function withoutInternals(item: Record<string, unknown>): TrackedRecord {
  const record: Record<string, unknown> = { ...item };
  if (item.sqlGzip instanceof Uint8Array) record.sql = gunzipSync(item.sqlGzip).toString('utf8');
  if (item.sessionJsonGzip instanceof Uint8Array) record.sessionJson = gunzipSync(item.sessionJsonGzip).toString('utf8');
  for (const name of INTERNAL_ATTRIBUTES) delete record[name];
  return record as unknown as TrackedRecord;
}

/**
 * An item's size as DynamoDB counts it, closely enough to refuse one that cannot be stored: names
 * and UTF-8 strings by their bytes, binaries by their length, numbers generously.
 */
function itemSize(value: unknown, depth = 0): number {
  if (value === undefined || value === null || depth > 32) return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number') return 21;
  if (typeof value === 'boolean') return 1;
  if (value instanceof Uint8Array) return value.length;
  let size = 3;
  if (Array.isArray(value)) for (const v of value) size += 1 + itemSize(v, depth + 1);
  else for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (v !== undefined) size += 1 + Buffer.byteLength(k, 'utf8') + itemSize(v, depth + 1);
  return size;
}

function pick(item: Record<string, unknown>, attributes: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of attributes) if (item[name] !== undefined) out[name] = item[name];
  return out;
}

function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (key && typeof key === 'object' && !Array.isArray(key)) return key as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new RangeError('Invalid history cursor');
}

function finalValues() {
  return { ':f1': FINAL_STATES[0], ':f2': FINAL_STATES[1], ':f3': FINAL_STATES[2] };
}
