import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { QueryRecord, QueryStore, TransitionPatch } from '../../core/stores/query-store.js';
import { FINAL_STATES } from '../../core/stores/query-store.js';

/**
 * The query item in DynamoDB. Every state change is a conditional update: final states stay
 * final, and events carry a sequence number so duplicates and stale events change nothing.
 * `activeKey` exists only while a query is queued or running on a target, which makes the
 * active-by-target index sparse: queue depth is counted from it, with no counter to drift.
 */
export class DynamoQueryStore implements QueryStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } });
  }

  async create(record: QueryRecord): Promise<void> {
    const item: Record<string, unknown> = { ...record };
    const active = activeKey(record.target, record.state);
    if (active) item.activeKey = active;
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(queryId)' }));
  }

  async get(queryId: string): Promise<QueryRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { queryId }, ConsistentRead: true }));
    if (!out.Item) return undefined;
    const { activeKey: _active, ...record } = out.Item;
    return record as QueryRecord;
  }

  async attachHandle(queryId: string, target: string, handle: string, engineQueryId?: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { queryId },
          UpdateExpression: `SET target = :target, engineHandle = :handle, activeKey = if_not_exists(activeKey, :active)${engineQueryId ? ', engineQueryId = :eid' : ''}`,
          ConditionExpression: 'attribute_exists(queryId) AND attribute_not_exists(engineHandle) AND NOT (#state IN (:s1, :s2, :s3))',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':target': target,
            ':handle': handle,
            ':active': `${target}#QUEUED`,
            ...(engineQueryId ? { ':eid': engineQueryId } : {}),
            ...finalValues(),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async transition(queryId: string, patch: TransitionPatch, now: number): Promise<boolean> {
    const names: Record<string, string> = { '#state': 'state' };
    const values: Record<string, unknown> = { ':state': patch.state, ':now': now, ...finalValues() };
    const sets = ['#state = :state', 'updatedAt = :now'];
    const removes: string[] = [];
    const optional: (keyof TransitionPatch)[] = ['error', 'endReason', 'stats', 'updateType', 'updateCount'];
    for (const key of optional) {
      if (patch[key] !== undefined) {
        sets.push(`${key} = :${key}`);
        values[`:${key}`] = patch[key];
      }
    }
    let condition = 'attribute_exists(queryId) AND NOT (#state IN (:s1, :s2, :s3))';
    if (patch.eventSequence !== undefined) {
      sets.push('eventSequence = :seq');
      values[':seq'] = patch.eventSequence;
      condition += ' AND (attribute_not_exists(eventSequence) OR eventSequence < :seq)';
    }
    if (FINAL_STATES.includes(patch.state)) {
      sets.push('endedAt = :now');
      removes.push('activeKey');
    } else {
      // The active key follows the state, but only for a query that has a target.
      sets.push('activeKey = :active');
      names['#target'] = 'target';
      condition += ' AND attribute_exists(#target)';
      values[':active'] = `__TARGET__#${patch.state}`;
    }
    const update = `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`;
    try {
      if (values[':active']) {
        // DynamoDB cannot concatenate in an update expression: read the target, then condition on it.
        const current = await this.get(queryId);
        if (!current?.target) return this.transitionWithoutTarget(queryId, patch, now);
        values[':active'] = `${current.target}#${patch.state}`;
        values[':expectedTarget'] = current.target;
        condition += ' AND #target = :expectedTarget';
      }
      await this.doc.send(new UpdateCommand({ TableName: this.tableName, Key: { queryId }, UpdateExpression: update, ConditionExpression: condition, ExpressionAttributeNames: names, ExpressionAttributeValues: values }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** A query still waiting at the gateway has no target, so it has no active key to move. */
  private async transitionWithoutTarget(queryId: string, patch: TransitionPatch, now: number): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { queryId },
          UpdateExpression: 'SET #state = :state, updatedAt = :now',
          ConditionExpression: 'attribute_exists(queryId) AND attribute_not_exists(#target) AND NOT (#state IN (:s1, :s2, :s3))',
          ExpressionAttributeNames: { '#state': 'state', '#target': 'target' },
          ExpressionAttributeValues: { ':state': patch.state, ':now': now, ...finalValues() },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async touch(queryId: string, now: number): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { queryId },
          UpdateExpression: 'SET lastPollAt = :now',
          ConditionExpression: 'attribute_exists(queryId)',
          ExpressionAttributeValues: { ':now': now },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

function activeKey(target: string | undefined, state: string): string | undefined {
  return target && (state === 'QUEUED' || state === 'RUNNING') ? `${target}#${state}` : undefined;
}

function finalValues() {
  return { ':s1': FINAL_STATES[0], ':s2': FINAL_STATES[1], ':s3': FINAL_STATES[2] };
}
