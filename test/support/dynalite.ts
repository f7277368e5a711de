import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startLocalDynamo, type LocalDynamo } from '../../lambdas/local/dynamo.js';

/** A fresh in-process DynamoDB (dynalite) on a free loopback port, with Bifrost's tables. */
export async function startDynalite(): Promise<LocalDynamo & { client: DynamoDBClient }> {
  return startLocalDynamo();
}
