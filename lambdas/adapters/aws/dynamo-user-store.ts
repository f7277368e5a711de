import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { UserRecord, UserStore } from '../../core/auth/user-store.js';

/**
 * Password users in DynamoDB, one item per user keyed by `userName` (`name` and `user` are
 * reserved words). The failed-attempt counter is updated atomically with ADD, so attempts made in
 * parallel on different instances are all counted.
 */
export class DynamoUserStore implements UserStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } });
  }

  async get(name: string): Promise<UserRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { userName: name }, ConsistentRead: true }));
    return out.Item ? fromItem(out.Item) : undefined;
  }

  async put(record: UserRecord): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: toItem(record) }));
  }

  async list(): Promise<UserRecord[]> {
    const users: UserRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(new ScanCommand({ TableName: this.tableName, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) }));
      for (const item of out.Items ?? []) users.push(fromItem(item));
      start = out.LastEvaluatedKey;
    } while (start);
    return users.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async disable(name: string, now: number): Promise<boolean> {
    return this.setDisabled(name, true, now);
  }

  async enable(name: string, now: number): Promise<boolean> {
    return this.setDisabled(name, false, now);
  }

  private async setDisabled(name: string, disabled: boolean, now: number): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { userName: name },
        UpdateExpression: 'SET disabled = :d, updatedAt = :now',
        ConditionExpression: 'attribute_exists(userName)',
        ExpressionAttributeValues: { ':d': disabled, ':now': now },
      }),
    );
  }

  async recordFailure(name: string, at: number, forgetBefore: number): Promise<number | undefined> {
    // Two conditional writes, each atomic: count on while the last failure is recent, or start
    // again at 1 when it is not. When both conditions fail another attempt won the race: retry.
    for (let round = 0; round < 4; round++) {
      try {
        const out = await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { userName: name },
            UpdateExpression: 'ADD failedAttempts :one SET lastFailureAt = :at',
            ConditionExpression: 'attribute_exists(userName) AND lastFailureAt >= :since',
            ExpressionAttributeValues: { ':one': 1, ':at': at, ':since': forgetBefore },
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        return Number(out.Attributes?.failedAttempts ?? 1);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { userName: name },
            UpdateExpression: 'SET failedAttempts = :one, lastFailureAt = :at',
            ConditionExpression: 'attribute_exists(userName) AND (attribute_not_exists(lastFailureAt) OR lastFailureAt < :since)',
            ExpressionAttributeValues: { ':one': 1, ':at': at, ':since': forgetBefore },
          }),
        );
        return 1;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      if (!(await this.get(name))) return undefined;
    }
    throw new Error('could not record a failed attempt: too much contention on the user item');
  }

  async lock(name: string, until: number): Promise<void> {
    await this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { userName: name },
        UpdateExpression: 'SET lockedUntil = :until',
        ConditionExpression: 'attribute_exists(userName)',
        ExpressionAttributeValues: { ':until': until },
      }),
    );
  }

  async resetFailures(name: string): Promise<void> {
    await this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { userName: name },
        UpdateExpression: 'SET failedAttempts = :zero REMOVE lastFailureAt, lockedUntil',
        ConditionExpression: 'attribute_exists(userName)',
        ExpressionAttributeValues: { ':zero': 0 },
      }),
    );
  }

  private async conditional(command: UpdateCommand): Promise<boolean> {
    try {
      await this.doc.send(command);
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

function toItem(record: UserRecord): Record<string, unknown> {
  const { name, ...rest } = record;
  return { userName: name, ...rest, groups: [...record.groups] };
}

function fromItem(item: Record<string, unknown>): UserRecord {
  const record: UserRecord = {
    name: String(item.userName),
    groups: Array.isArray(item.groups) ? item.groups.filter((g): g is string => typeof g === 'string') : [],
    disabled: item.disabled === true,
    failedAttempts: Number(item.failedAttempts ?? 0),
    createdAt: Number(item.createdAt ?? 0),
    updatedAt: Number(item.updatedAt ?? 0),
  };
  if (typeof item.passwordHash === 'string') record.passwordHash = item.passwordHash;
  if (item.lastFailureAt !== undefined) record.lastFailureAt = Number(item.lastFailureAt);
  if (item.lockedUntil !== undefined) record.lockedUntil = Number(item.lockedUntil);
  return record;
}
