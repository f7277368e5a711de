import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { BifrostConfig } from '../../core/config/schema.js';
import { EMPTY_OVERRIDES, VersionedConfigStore } from '../../core/stores/config-store.js';
import type { ConfigOverrides } from '../../core/ports/index.js';
import { CONFIG_TABLE } from './tables.js';

/**
 * Run-time routing config in DynamoDB: one item holding the overrides as a JSON document, with a
 * `version` attribute. A change is one conditional PutItem on that version, so it is applied whole
 * or not at all, and a change made from a stale version is refused. Validation against the file
 * config happens before the write (VersionedConfigStore).
 */
export class DynamoConfigStore extends VersionedConfigStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    base: BifrostConfig,
    clock: () => number = Date.now,
    private readonly key: string = CONFIG_TABLE.routingItem,
  ) {
    super(base, clock);
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async read(): Promise<ConfigOverrides> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { [CONFIG_TABLE.partitionKey]: this.key }, ConsistentRead: true }));
    if (!out.Item) return structuredClone(EMPTY_OVERRIDES);
    const document = JSON.parse(String(out.Item.document)) as ConfigOverrides;
    return { ...document, version: Number(out.Item.version), targets: document.targets ?? {} };
  }

  protected async replace(next: ConfigOverrides, expectedVersion: number): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            [CONFIG_TABLE.partitionKey]: this.key,
            version: next.version,
            document: JSON.stringify(next),
            ...(next.updatedAt !== undefined ? { updatedAt: next.updatedAt } : {}),
            ...(next.updatedBy !== undefined ? { updatedBy: next.updatedBy } : {}),
          },
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(#key)' : '#version = :expected',
          ExpressionAttributeNames: expectedVersion === 0 ? { '#key': CONFIG_TABLE.partitionKey } : { '#version': 'version' },
          ...(expectedVersion === 0 ? {} : { ExpressionAttributeValues: { ':expected': expectedVersion } }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
