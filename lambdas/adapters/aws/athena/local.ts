import { AthenaClient } from '@aws-sdk/client-athena';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';

export type Environment = Record<string, string | undefined>;

/**
 * The clients of the local mode: the user's own credentials (the SDK's default chain: environment,
 * shared config and SSO profiles, container and instance roles) and region, and the SDK's standard
 * endpoint variables, so that any Athena-compatible endpoint can stand in for AWS:
 * AWS_ENDPOINT_URL_ATHENA, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_GLUE, or AWS_ENDPOINT_URL for all.
 * A custom S3 endpoint gets path-style addressing (`http://host/bucket/key`), which S3-compatible
 * stores expect.
 */
export function athenaClientsFromEnv(env: Environment): { athena: AthenaClient; s3: S3Client; glue: GlueClient } {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
  const common = region ? { region } : {};
  const endpoint = (service: string) => env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL || undefined;
  const athenaEndpoint = endpoint('ATHENA');
  const s3Endpoint = endpoint('S3');
  const glueEndpoint = endpoint('GLUE');
  return {
    athena: new AthenaClient({ ...common, ...(athenaEndpoint ? { endpoint: athenaEndpoint } : {}) }),
    s3: new S3Client({ ...common, followRegionRedirects: true, ...(s3Endpoint ? { endpoint: s3Endpoint, forcePathStyle: true } : {}) }),
    glue: new GlueClient({ ...common, ...(glueEndpoint ? { endpoint: glueEndpoint } : {}) }),
  };
}
