import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SlotAttempt, SlotCount, TargetSlots } from '../../core/ports/index.js';

/**
 * Queue slots as one counter item per target in the queries table, keyed apart from every query
 * id (`#slots#<target>`: a query id never starts with '#'). `active` counts the slots taken;
 * `w:<group>` counts the queries of a group waiting for the target.
 *
 * Exactness: a slot is taken by one conditional ADD, so concurrent gateways can never take more
 * than the limit between them. A slot is given back by the write that ends its query (the store's
 * final transition); a process that dies between the two leaves the counter one too high, which
 * only makes admission more careful, until `repair` (the periodic job) sets it back.
 */
const KEY_PREFIX = '#slots#';
const WAITING_PREFIX = 'w:';
const BATCH_GET_LIMIT = 100;

export const slotsKey = (target: string) => `${KEY_PREFIX}${target}`;

export class DynamoTargetSlots implements TargetSlots {
  private readonly listeners: ((target: string) => void)[] = [];

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async take(target: string, request: { limit: number; group: string; newcomer: boolean; force?: boolean }): Promise<SlotAttempt> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':one': 1 };
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
          UpdateExpression: 'ADD active :one',
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

  async release(target: string): Promise<void> {
    if (!(await this.decrement(target, 'active'))) return;
    for (const listener of this.listeners) listener(target);
  }

  onRelease(listener: (target: string) => void): void {
    this.listeners.push(listener);
  }

  async markWaiting(group: string, targets: readonly string[], delta: 1 | -1): Promise<void> {
    const attribute = WAITING_PREFIX + group;
    await Promise.all(
      targets.map((target) =>
        delta > 0
          ? this.doc.send(new UpdateCommand({ TableName: this.tableName, Key: { queryId: slotsKey(target) }, UpdateExpression: 'ADD #w :one', ExpressionAttributeNames: { '#w': attribute }, ExpressionAttributeValues: { ':one': 1 } }))
          : this.decrement(target, attribute),
      ),
    );
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

  /** Counts down, never below zero (a second release of the same slot changes nothing then). */
  private async decrement(target: string, attribute: string): Promise<boolean> {
    return this.conditionalUpdate({
      Key: { queryId: slotsKey(target) },
      UpdateExpression: 'ADD #a :minus',
      ConditionExpression: '#a > :zero',
      ExpressionAttributeNames: { '#a': attribute },
      ExpressionAttributeValues: { ':minus': -1, ':zero': 0 },
    });
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
