/**
 * The CDK app: `npx cdk synth|deploy -c config=path/to/bifrost.yaml`.
 *
 * The config file comes from the `config` context value, else the BIFROST_CONFIG environment
 * variable, else config/bifrost.example.yaml. It is validated with the runtime's own schema and
 * checked for deployment problems before anything is synthesized: a bad config is refused with
 * every problem and its path (a placeholder certificate, host name or client range of the example
 * among them, with what to put there), and a non-zero exit.
 */
import { App, Validations, type Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, deploymentProblems, parseConfigText, type BifrostConfig } from '../lambdas/core/config/schema.js';
import { addBifrostStacks, FEATURE_FLAGS } from '../lib/app.js';
import { HANDLERS } from '../lib/bifrost-stack.js';
import { physicalNameProblems } from '../lib/physical-names.js';

const DEFAULT_CONFIG = 'config/bifrost.example.yaml';
const projectRoot = fileURLToPath(new URL('..', import.meta.url));

type Env = Record<string, string | undefined>;

/** The Region an ARN names (arn:partition:service:region:...). */
function arnRegion(arn: string | undefined): string | undefined {
  return arn?.split(':')[3] || undefined;
}

/**
 * Where to deploy. The Region: deployment.region, else the certificate's (a load balancer needs a
 * certificate from its own Region), else the CLI's. The account stays open (the template works in
 * any account, and synth needs no credentials) unless an existing VPC or more than two AZs must be
 * looked up.
 */
function deploymentEnvironment(config: BifrostConfig, env: Env): { environment?: Environment; problems: string[] } {
  const d = config.deployment;
  const region = d.region ?? arnRegion(d.certificateArn) ?? env.CDK_DEFAULT_REGION ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const problems: string[] = [];
  if (!region) problems.push('deployment.region: cannot tell which Region to deploy to; set deployment.region (or a certificate, or the AWS CLI\'s Region)');
  let account: string | undefined;
  if (d.vpcId) {
    account = d.account ?? env.CDK_DEFAULT_ACCOUNT;
    if (!account) problems.push('deployment.account: the existing VPC (deployment.vpcId) is looked up in a concrete account; set deployment.account or run with AWS credentials');
  } else if (d.maxAzs > 2) {
    // A template for any account can only count on two AZs; more are looked up in the account.
    account = d.account ?? env.CDK_DEFAULT_ACCOUNT;
    if (!account) problems.push(`deployment.account: ${d.maxAzs} AZs (deployment.maxAzs) are looked up in a concrete account; set deployment.account or run with AWS credentials`);
  }
  return problems.length ? { problems } : { environment: { region, account }, problems };
}

function refuse(configFile: string, problems: string[]): void {
  process.stderr.write(`Bifrost: ${configFile} cannot be deployed; nothing was synthesized:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
  process.exitCode = 1;
}

function main(): void {
  const app = new App({ postCliContext: { ...FEATURE_FLAGS } });
  const fromContext = app.node.tryGetContext('config') as string | undefined;
  const configFile = resolve(fromContext ?? process.env.BIFROST_CONFIG ?? DEFAULT_CONFIG);

  let text: string;
  try {
    text = readFileSync(configFile, 'utf8');
  } catch (error) {
    return refuse(configFile, [`(file): cannot be read: ${(error as Error).message}`]);
  }
  let config: BifrostConfig;
  try {
    config = parseConfigText(text);
  } catch (error) {
    if (error instanceof ConfigError) return refuse(configFile, error.problems);
    throw error;
  }
  const where = deploymentEnvironment(config, process.env);
  const missing = [HANDLERS.statement, HANDLERS.athenaEvents, HANDLERS.sweeper].filter((h) => !existsSync(resolve(projectRoot, h))).map((h) => `(handlers): ${h} does not exist yet`);
  const problems = [...deploymentProblems(config), ...physicalNameProblems(config), ...where.problems, ...missing];
  if (problems.length || !where.environment) return refuse(configFile, problems);

  // The admin function deploys once its handler exists, unless `-c admin=false` says otherwise.
  const adminContext = app.node.tryGetContext('admin') as string | boolean | undefined;
  const admin = adminContext === undefined ? existsSync(resolve(projectRoot, HANDLERS.admin)) : adminContext === true || adminContext === 'true';

  if (admin && !existsSync(resolve(projectRoot, HANDLERS.admin))) return refuse(configFile, [`(handlers): -c admin=true, but ${HANDLERS.admin} does not exist yet`]);

  addBifrostStacks(app, { config, configFile, projectRoot, env: where.environment, admin });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
}

main();
