import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { userAttemptKey } from '../../core/auth/sign-in-limits.js';
import type { FailureWindow, UserRecord, UserStore } from '../../core/ports/index.js';
import { sessionEpochKey, validUserName } from '../../core/auth/user-store.js';

/**
 * Password users in DynamoDB, one item per user keyed by `userName` (`name` and `user` are
 * reserved words). The failed-attempt counter is updated atomically with ADD, so attempts made in
 * parallel on different instances are all counted.
 *
 * The same table keeps two kinds of small items under keys no user name can have (they contain
 * ':'), marked by `itemKind` and never listed as users: the failed sign-ins per client address and
 * per user name (`signin:...`, with `expiresAt` in epoch seconds for the table's TTL), and the
 * session epochs that end admin sessions (`session:...`, one per principal that ever logged in).
 * Only GetItem and UpdateItem touch them: the statement function may do no more on this table.
 */
const KIND = { signIn: 'signin', session: 'session' } as const;

export class DynamoUserStore implements UserStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } });
  }

  async get(name: string): Promise<UserRecord | undefined> {
    if (!validUserName(name)) return undefined;
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { userName: name }, ConsistentRead: true }));
    return out.Item && isUser(out.Item) ? fromItem(out.Item) : undefined;
  }

  async put(record: UserRecord): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: toItem(record) }));
  }

  async list(): Promise<UserRecord[]> {
    const users: UserRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(new ScanCommand({ TableName: this.tableName, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) }));
      for (const item of out.Items ?? []) if (isUser(item)) users.push(fromItem(item));
      start = out.LastEvaluatedKey;
    } while (start);
    return users.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async disable(name: string, now: number): Promise<boolean> {
    const done = await this.setDisabled(name, true, now);
    // Whoever disables (the admin API, the CLI), the user's admin sessions end, and stay ended after an enable.
    if (done) await this.endSessions(sessionEpochKey('password', name));
    return done;
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
    await this.clearFailures(userAttemptKey(name));
  }

  // ---------------------------------------------------------------- failed sign-ins

  async failureWindows(keys: readonly string[]): Promise<(FailureWindow | undefined)[]> {
    return Promise.all(
      keys.map(async (key) => {
        const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { userName: key }, ConsistentRead: true }));
        const item = out.Item;
        if (!item || item.itemKind !== KIND.signIn || typeof item.windowStart !== 'number') return undefined;
        return { windowStart: item.windowStart, failures: Number(item.failures ?? 0), previousFailures: Number(item.previousFailures ?? 0) };
      }),
    );
  }

  async countFailure(key: string, now: number, windowMs: number): Promise<FailureWindow> {
    const start = Math.floor(now / windowMs) * windowMs;
    const names = { '#start': 'windowStart', '#failures': 'failures', '#kind': 'itemKind', '#expires': 'expiresAt' };
    // DynamoDB refuses names an expression does not use: #previous only where it is set.
    const withPrevious = { ...names, '#previous': 'previousFailures' };
    const base = { TableName: this.tableName, Key: { userName: key }, ReturnValues: 'ALL_NEW' as const };
    // The table's TTL may delete the item once neither window it holds counts any more.
    const common = { ':kind': KIND.signIn, ':expires': Math.ceil((start + 2 * windowMs) / 1000), ':start': start };
    // Three conditional writes, each atomic: count on in the current window, roll over from the
    // previous one, or start afresh. When none applies another attempt won a race: try again.
    const attempts = [
      { UpdateExpression: 'ADD #failures :one SET #expires = :expires, #kind = :kind', ConditionExpression: '#start >= :start', ExpressionAttributeNames: names, ExpressionAttributeValues: { ...common, ':one': 1 } },
      {
        UpdateExpression: 'SET #previous = #failures, #failures = :one, #start = :start, #expires = :expires, #kind = :kind',
        ConditionExpression: '#start >= :before AND #start < :start',
        ExpressionAttributeNames: withPrevious,
        ExpressionAttributeValues: { ...common, ':one': 1, ':before': start - windowMs },
      },
      {
        UpdateExpression: 'SET #previous = :zero, #failures = :one, #start = :start, #expires = :expires, #kind = :kind',
        ConditionExpression: 'attribute_not_exists(#start) OR #start < :before',
        ExpressionAttributeNames: withPrevious,
        ExpressionAttributeValues: { ...common, ':one': 1, ':zero': 0, ':before': start - windowMs },
      },
    ];
    for (let round = 0; round < 4; round++) {
      for (const attempt of attempts) {
        try {
          const out = await this.doc.send(new UpdateCommand({ ...base, ...attempt }));
          const item = out.Attributes ?? {};
          return { windowStart: Number(item.windowStart), failures: Number(item.failures ?? 1), previousFailures: Number(item.previousFailures ?? 0) };
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }
    }
    throw new Error('could not count a failed sign-in: too much contention on its item');
  }

  async clearFailures(key: string): Promise<void> {
    await this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { userName: key },
        UpdateExpression: 'SET #failures = :zero, #previous = :zero',
        ConditionExpression: 'attribute_exists(userName)',
        ExpressionAttributeNames: { '#failures': 'failures', '#previous': 'previousFailures' },
        ExpressionAttributeValues: { ':zero': 0 },
      }),
    );
  }

  // ---------------------------------------------------------------- session epochs

  async sessionEpoch(key: string): Promise<number> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { userName: key }, ConsistentRead: true }));
    return out.Item?.itemKind === KIND.session ? Number(out.Item.sessionEpoch ?? 0) : 0;
  }

  async endSessions(key: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { userName: key },
        UpdateExpression: 'ADD sessionEpoch :one SET #kind = :kind',
        ExpressionAttributeNames: { '#kind': 'itemKind' },
        ExpressionAttributeValues: { ':one': 1, ':kind': KIND.session },
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

/** A user record, not one of the other items the table keeps. */
function isUser(item: Record<string, unknown>): boolean {
  return item.itemKind === undefined && typeof item.userName === 'string' && validUserName(item.userName);
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
