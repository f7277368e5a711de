import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SlotAttempt, SlotCount, TargetSlots } from '../../core/ports/index.js';

/**
 * Queue slots as one counter item per target in the queries table, keyed apart from every query
 * id (`#slots#<target>`: a query id never starts with '#'). `active` counts the slots taken;
 * `w:<group>` counts the queries of a group waiting for the target; `h:<queryId>` marks a slot
 * taken with its query as holder, removed in the same write that gives it back, so that a holder
 * gives its slot back once however often it asks (a poll and an event ending the same query).
 *
 * Exactness: a slot is taken by one conditional ADD, so concurrent gateways can never take more
 * than the limit between them. A slot is given back by the write that ends its query (the store's
 * final transition); a process that dies between the two leaves the counter one too high, which
 * only makes admission more careful, until `repair` (the periodic job) sets it back.
 */
const KEY_PREFIX = '#slots#';
const WAITING_PREFIX = 'w:';
/** A slot's holder (a query id) marks the counter item while it holds the slot. */
const HOLDER_PREFIX = 'h:';
const BATCH_GET_LIMIT = 100;

export const slotsKey = (target: string) => `${KEY_PREFIX}${target}`;

interface CounterBatch {
  target: string;
  attribute: string;
  delta: 1 | -1;
  waiters: { resolve: (applied: boolean) => void; reject: (error: unknown) => void }[];
}

export class DynamoTargetSlots implements TargetSlots {
  private readonly listeners: ((target: string) => void)[] = [];
  /** Counter changes waiting for the write under way to the same counter (see `change`). */
  private readonly pending = new Map<string, CounterBatch>();
  private readonly writing = new Set<string>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async take(target: string, request: { limit: number; group: string; newcomer: boolean; force?: boolean; holder?: string }): Promise<SlotAttempt> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':one': 1 };
    if (request.holder !== undefined) {
      // The holder's mark, removed with the slot: a second release by the same holder finds none.
      names['#h'] = HOLDER_PREFIX + request.holder;
      values[':at'] = Date.now();
    }
    const conditions: string[] = [];
    if (!request.force) {
      conditions.push('(attribute_not_exists(active) OR active < :limit)');
      values[':limit'] = request.limit;
      if (request.newcomer) {
        // Behind the queries of its group that already wait for this target.
        names['#w'] = WAITING_PREFIX + request.group;
        conditions.push('(attribute_not_exists(#w) OR #w <= :zero)');
        values[':zero'] = 0;
      }
    }
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { queryId: slotsKey(target) },
          UpdateExpression: `ADD active :one${request.holder !== undefined ? ' SET #h = :at' : ''}`,
          ...(conditions.length ? { ConditionExpression: conditions.join(' AND ') } : {}),
          ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
          // A refusal says what the counter holds, for the routing reasons, in the same call.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { taken: true, ...countOf(out.Attributes) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // Full, or a line waits. (An endpoint that does not return the item, as dynalite, reads as full.)
      const item = (error as { Item?: Record<string, { N?: string }> }).Item;
      return { taken: false, ...(item ? countOfRaw(item) : { active: request.limit, waiting: {} }) };
    }
  }

  async release(target: string, holder?: string): Promise<void> {
    const applied =
      holder === undefined
        ? await this.change(target, 'active', -1)
        : await this.conditionalUpdate({
            Key: { queryId: slotsKey(target) },
            UpdateExpression: 'REMOVE #h ADD active :minus',
            ConditionExpression: 'attribute_exists(#h) AND active > :zero',
            ExpressionAttributeNames: { '#h': HOLDER_PREFIX + holder },
            ExpressionAttributeValues: { ':minus': -1, ':zero': 0 },
          });
    if (!applied) return;
    for (const listener of this.listeners) listener(target);
  }

  onRelease(listener: (target: string) => void): void {
    this.listeners.push(listener);
  }

  async markWaiting(group: string, targets: readonly string[], delta: 1 | -1): Promise<void> {
    const attribute = WAITING_PREFIX + group;
    await Promise.all(targets.map((target) => this.change(target, attribute, delta)));
  }

  async read(targets: readonly string[]): Promise<Map<string, SlotCount>> {
    const out = new Map<string, SlotCount>();
    const unique = [...new Set(targets)];
    for (let i = 0; i < unique.length; i += BATCH_GET_LIMIT) {
      const keys = unique.slice(i, i + BATCH_GET_LIMIT).map((t) => ({ queryId: slotsKey(t) }));
      const answer = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }));
      for (const item of answer.Responses?.[this.tableName] ?? []) out.set(String(item.queryId).slice(KEY_PREFIX.length), countOf(item));
      // Keys left unprocessed (throttling) read as nothing taken: the waiting room, which reads
      // here, then wakes a poll that still takes its slot conditionally.
    }
    for (const t of unique) if (!out.has(t)) out.set(t, { active: 0, waiting: {} });
    return out;
  }

  /**
   * Sets a counter that drifted (a process died between ending a query and giving its slot back)
   * to what the items say, `counted` active queries. Only a difference seen twice, a period apart,
   * with nothing admitted or ended in between (the counter unchanged), is repaired: a busy target
   * is left alone, since a count read while queries start and end is not exact.
   */
  async repair(target: string, counted: number): Promise<'ok' | 'suspect' | 'repaired'> {
    const key = { queryId: slotsKey(target) };
    const item = (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }))).Item;
    const active = typeof item?.active === 'number' ? item.active : 0;
    const seen = `${active}/${counted}`;
    if (active === counted) {
      if (item?.suspect !== undefined) await this.conditionalUpdate({ Key: key, UpdateExpression: 'REMOVE suspect' });
      return 'ok';
    }
    if (item?.suspect === seen) {
      const repaired = await this.conditionalUpdate({
        Key: key,
        UpdateExpression: 'SET active = :counted REMOVE suspect',
        ConditionExpression: 'active = :active AND suspect = :seen',
        ExpressionAttributeValues: { ':counted': counted, ':active': active, ':seen': seen },
      });
      return repaired ? 'repaired' : 'suspect';
    }
    await this.conditionalUpdate({ Key: key, UpdateExpression: 'SET suspect = :seen', ExpressionAttributeValues: { ':seen': seen } });
    return 'suspect';
  }

  /**
   * Adds one to a counter or takes one off (never below zero: a second release of the same slot
   * changes nothing then); true when applied. The changes this instance asks for while a write to
   * the same counter is under way go together in the next write (a group commit): a burst of ends
   * or cancels (a thousand DELETEs of waiting queries) costs a few writes to the counter item, not
   * one each, since writes to one item are serialized. One request alone is written at once.
   */
  private change(target: string, attribute: string, delta: 1 | -1): Promise<boolean> {
    const key = `${target}\u0000${attribute}\u0000${delta}`;
    return new Promise((resolve, reject) => {
      let batch = this.pending.get(key);
      if (!batch) {
        batch = { target, attribute, delta, waiters: [] };
        this.pending.set(key, batch);
      }
      batch.waiters.push({ resolve, reject });
      if (!this.writing.has(key)) void this.flush(key);
    });
  }

  /** Writes the changes gathered for one counter, then the next batch if more came meanwhile. */
  private async flush(key: string): Promise<void> {
    this.writing.add(key);
    try {
      for (let batch = this.pending.get(key); batch; batch = this.pending.get(key)) {
        this.pending.delete(key);
        try {
          const applied = await this.apply(batch.target, batch.attribute, batch.delta, batch.waiters.length);
          batch.waiters.forEach((w, i) => w.resolve(i < applied));
        } catch (error) {
          for (const w of batch.waiters) w.reject(error);
        }
      }
    } finally {
      this.writing.delete(key);
    }
  }

  /**
   * `count` changes in one write; how many applied. Taking off `count` when the counter holds
   * fewer (releases of slots already given back) takes off what it holds: never below zero.
   */
  private async apply(target: string, attribute: string, delta: 1 | -1, count: number): Promise<number> {
    const Key = { queryId: slotsKey(target) };
    const ExpressionAttributeNames = { '#a': attribute };
    if (delta > 0) {
      await this.doc.send(new UpdateCommand({ TableName: this.tableName, Key, UpdateExpression: 'ADD #a :n', ExpressionAttributeNames, ExpressionAttributeValues: { ':n': count } }));
      return count;
    }
    const takeOff = (n: number) => this.conditionalUpdate({ Key, UpdateExpression: 'ADD #a :minus', ConditionExpression: '#a >= :n', ExpressionAttributeNames, ExpressionAttributeValues: { ':minus': -n, ':n': n } });
    if (await takeOff(count)) return count;
    // Fewer than asked for: take off what the counter holds, read again if another writer moved it.
    let applied = 0;
    for (let attempt = 0; applied < count && attempt < 5; attempt++) {
      const item = (await this.doc.send(new GetCommand({ TableName: this.tableName, Key, ConsistentRead: true }))).Item;
      const held = typeof item?.[attribute] === 'number' ? (item[attribute] as number) : 0;
      const n = Math.min(count - applied, held);
      if (n <= 0) break;
      if (await takeOff(n)) applied += n;
    }
    return applied;
  }

  private async conditionalUpdate(input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName'>): Promise<boolean> {
    try {
      await this.doc.send(new UpdateCommand({ TableName: this.tableName, ...input }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

function countOf(item: Record<string, unknown> | undefined): SlotCount {
  const waiting: Record<string, number> = {};
  for (const [name, value] of Object.entries(item ?? {})) if (name.startsWith(WAITING_PREFIX) && typeof value === 'number') waiting[name.slice(WAITING_PREFIX.length)] = value;
  return { active: typeof item?.active === 'number' ? item.active : 0, waiting };
}

/** The counter from a refusal's item, which comes in DynamoDB's own attribute-value form. */
function countOfRaw(item: Record<string, { N?: string }>): SlotCount {
  const plain: Record<string, number> = {};
  for (const [name, value] of Object.entries(item)) if (value?.N !== undefined) plain[name] = Number(value.N);
  return countOf(plain);
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as Error)?.name === 'ConditionalCheckFailedException';
}
