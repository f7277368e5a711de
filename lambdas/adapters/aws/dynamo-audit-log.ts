import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { pageOf, type AuditEntry, type AuditLog, type AuditPage, type AuditQuery } from '../../core/admin/audit.js';
import { CONFIG_TABLE } from './tables.js';

/**
 * The admin audit trail in the run-time config table: one item per change, keyed
 * `audit#<time>#<id>`. Changes are made by people, a few a day, so listing scans the small config
 * table and sorts; a conditional put never overwrites an entry.
 */
export const AUDIT_KEY_PREFIX = 'audit#';

export class DynamoAuditLog implements AuditLog {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async record(entry: AuditEntry): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { [CONFIG_TABLE.partitionKey]: `${AUDIT_KEY_PREFIX}${String(entry.at).padStart(15, '0')}#${entry.id}`, at: entry.at, entry: JSON.stringify(entry) },
        ConditionExpression: 'attribute_not_exists(#key)',
        ExpressionAttributeNames: { '#key': CONFIG_TABLE.partitionKey },
      }),
    );
  }

  async list(query: AuditQuery): Promise<AuditPage> {
    const entries: AuditEntry[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'begins_with(#key, :prefix) AND #at BETWEEN :from AND :to',
          ExpressionAttributeNames: { '#key': CONFIG_TABLE.partitionKey, '#at': 'at' },
          ExpressionAttributeValues: { ':prefix': AUDIT_KEY_PREFIX, ':from': query.from, ':to': query.to },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of out.Items ?? []) entries.push(JSON.parse(String(item.entry)) as AuditEntry);
      start = out.LastEvaluatedKey;
    } while (start);
    return pageOf(entries, query);
  }
}
