import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ClusterHealthState, HealthStore } from '../../core/ports/index.js';
import { CONFIG_TABLE } from './tables.js';

/**
 * Cluster health in the run-time config table: one item per cluster target, keyed
 * `health#<target>` (next to the routing document, which has its own key). A write is
 * conditioned on the state it was computed from, so two overlapping sweeps cannot both count
 * the same round of checks.
 */
export const HEALTH_KEY_PREFIX = 'health#';

export class DynamoHealthStore implements HealthStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async get(targets: readonly string[]): Promise<Map<string, ClusterHealthState>> {
    const out = new Map<string, ClusterHealthState>();
    const keys = [...new Set(targets)].map((t) => ({ [CONFIG_TABLE.partitionKey]: HEALTH_KEY_PREFIX + t }));
    for (let i = 0; i < keys.length; i += 100) {
      let request: Record<string, { Keys: Record<string, unknown>[] }> | undefined = { [this.tableName]: { Keys: keys.slice(i, i + 100) } };
      for (let round = 0; request && Object.keys(request).length && round < 5; round++) {
        const response = await this.doc.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of response.Responses?.[this.tableName] ?? []) {
          const state = fromItem(item);
          if (state) out.set(state.target, state);
        }
        request = response.UnprocessedKeys as typeof request;
      }
    }
    return out;
  }

  async put(state: ClusterHealthState, previousCheckedAt: number | undefined): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { [CONFIG_TABLE.partitionKey]: HEALTH_KEY_PREFIX + state.target, ...state },
          ConditionExpression: previousCheckedAt === undefined ? 'attribute_not_exists(#key)' : '#checkedAt = :previous',
          ExpressionAttributeNames: previousCheckedAt === undefined ? { '#key': CONFIG_TABLE.partitionKey } : { '#checkedAt': 'checkedAt' },
          ...(previousCheckedAt === undefined ? {} : { ExpressionAttributeValues: { ':previous': previousCheckedAt } }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as Error)?.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}

function fromItem(item: Record<string, unknown>): ClusterHealthState | undefined {
  if (typeof item.target !== 'string' || typeof item.healthy !== 'boolean') return undefined;
  return {
    target: item.target,
    healthy: item.healthy,
    consecutiveFailures: Number(item.consecutiveFailures ?? 0),
    consecutiveSuccesses: Number(item.consecutiveSuccesses ?? 0),
    checkedAt: Number(item.checkedAt ?? 0),
    changedAt: Number(item.changedAt ?? 0),
    detail: String(item.detail ?? ''),
    ...(typeof item.version === 'string' ? { version: item.version } : {}),
  };
}
