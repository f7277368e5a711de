import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, PutCommand, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import { depthSlot, depthSlotsBetween, inWindow, type DepthSample, type DepthSamples } from '../../core/admin/depth-samples.js';
import { CONFIG_TABLE } from './tables.js';

/**
 * Queue-depth samples in the run-time config table: the item `depth#<slot>` per minute of the
 * day (1,440 small items at most, each overwritten a day later). The sweeper writes with PutItem
 * and the admin function reads with BatchGetItem, which both may already do on that table.
 */
export const DEPTH_KEY_PREFIX = 'depth#';
const BATCH_GET_LIMIT = 100;

export class DynamoDepthSamples implements DepthSamples {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async record(sample: DepthSample): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { [CONFIG_TABLE.partitionKey]: `${DEPTH_KEY_PREFIX}${depthSlot(sample.at)}`, sampledAt: sample.at, depths: JSON.stringify(sample.depths) } }));
  }

  async list(from: number, to: number): Promise<DepthSample[]> {
    const slots = depthSlotsBetween(from, to);
    const samples: DepthSample[] = [];
    for (let i = 0; i < slots.length; i += BATCH_GET_LIMIT) {
      let keys: Record<string, unknown>[] | undefined = slots.slice(i, i + BATCH_GET_LIMIT).map((slot) => ({ [CONFIG_TABLE.partitionKey]: `${DEPTH_KEY_PREFIX}${slot}` }));
      for (let attempt = 0; keys?.length && attempt < 5; attempt++) {
        if (attempt) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        const answer: BatchGetCommandOutput = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }));
        for (const item of answer.Responses?.[this.tableName] ?? []) {
          try {
            samples.push({ at: Number(item.sampledAt), depths: JSON.parse(String(item.depths)) as DepthSample['depths'] });
          } catch {
            // A damaged sample is a gap in the chart, not an error.
          }
        }
        keys = answer.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return inWindow(samples, from, to);
  }
}
