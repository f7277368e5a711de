/**
 * Bifrost's own events in the stack, and the example rules built on them: synthesized without
 * bundling the functions (what is checked here is the wiring, not the bundles).
 */
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../lambdas/core/config/schema.js';
import { ENV } from '../../lambdas/handlers/env.js';
import { addBifrostStacks, FEATURE_FLAGS } from '../../lib/app.js';
import { BifrostEventRulesExample } from '../../lib/examples/event-rules.js';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const example = readFileSync(join(projectRoot, 'config/bifrost.example.yaml'), 'utf8');
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

type Statement = { Action: string | string[]; Resource: unknown };

function synthGateway(events: string) {
  const dir = mkdtempSync(join(tmpdir(), 'bifrost-events-infra-'));
  dirs.push(dir);
  const configFile = join(dir, 'bifrost.yaml');
  writeFileSync(configFile, `${example}\nevents:\n${events}`);
  const config = parseConfigText(readFileSync(configFile, 'utf8'));
  // No bundling: the wiring is what is checked.
  const app = new App({ outdir: join(dir, 'out'), postCliContext: { ...FEATURE_FLAGS }, context: { 'aws:cdk:bundling-stacks': [] } });
  const { gateway } = addBifrostStacks(app, { config, configFile, projectRoot, admin: true, env: { region: 'us-east-1', account: '444455556666' } });
  const template = Template.fromStack(gateway);
  const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  const putEvents = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('events:')));
  return { gateway, template, putEvents };
}

describe('the stack with events on', () => {
  it('creates the bus when asked, grants events:PutEvents on it alone, names it in every function and in an output', () => {
    const { gateway, template, putEvents } = synthGateway('  enabled: true\n  createBus: true\n');
    template.resourceCountIs('AWS::Events::EventBus', 1);
    const busId = Object.keys(template.findResources('AWS::Events::EventBus'))[0]!;
    template.hasResourceProperties('AWS::Events::EventBus', { Name: Match.stringLikeRegexp('-events$') });
    // One statement per function (statement, athena events, sweeper, admin), each on the bus's ARN only.
    expect(putEvents).toHaveLength(4);
    for (const s of putEvents) {
      expect(s.Action).toBe('events:PutEvents');
      expect(s.Resource).toEqual({ 'Fn::GetAtt': [busId, 'Arn'] });
    }
    const functions = Object.values(template.findResources('AWS::Lambda::Function')).filter((f) => JSON.stringify(f.Properties.Environment ?? {}).includes(ENV.QUERIES_TABLE));
    expect(functions).toHaveLength(4);
    for (const f of functions) expect((f.Properties.Environment as { Variables: Record<string, unknown> }).Variables[ENV.EVENT_BUS_NAME]).toEqual({ Ref: busId });
    template.hasOutput('EventBusName', { Value: { Ref: busId } });
    expect(gateway.eventBus?.bus).toBeDefined();
  });

  it("publishes to the account's default bus, or a named one, without creating any: no wildcard in the grant", () => {
    for (const [events, name] of [['  enabled: true\n', 'default'], ['  enabled: true\n  busName: data-platform\n', 'data-platform']] as const) {
      const { template, putEvents } = synthGateway(events);
      template.resourceCountIs('AWS::Events::EventBus', 0);
      expect(putEvents).toHaveLength(4);
      for (const s of putEvents) expect(JSON.stringify(s.Resource)).toMatch(new RegExp(`:events:us-east-1:444455556666:event-bus/${name}"`));
      for (const s of putEvents) expect(JSON.stringify(s.Resource)).not.toContain('*');
      template.hasOutput('EventBusName', { Value: name });
    }
  });

  it('with events off (the default): no bus, no grant, no output', () => {
    const { template, putEvents } = synthGateway('  enabled: false\n');
    template.resourceCountIs('AWS::Events::EventBus', 0);
    expect(putEvents).toEqual([]);
    expect(Object.keys(template.findOutputs('EventBusName'))).toEqual([]);
  });
});

describe('the example rules (lib/examples/event-rules.ts)', () => {
  const app = new App();
  const stack = new BifrostEventRulesExample(app, 'BifrostEventRules', { busName: 'bifrost-prod-events', source: 'bifrost', clientTag: 'nightly-load', env: { region: 'us-east-1', account: '444455556666' } });
  const template = Template.fromStack(stack);

  it('sends access denials to an SNS topic', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'bifrost-prod-events',
      EventPattern: { source: ['bifrost'], 'detail-type': ['Query Denied'], detail: { deniedBy: ['access-rules', 'engine-check'] } },
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('AccessDenials') }, InputTransformer: Match.anyValue() })],
    });
  });

  it('starts the state machine for finished queries with the client tag', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'bifrost-prod-events',
      EventPattern: { source: ['bifrost'], 'detail-type': ['Query Finished'], detail: { clientTags: ['nightly-load'] } },
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('NextEtlStep') }, RoleArn: Match.anyValue() })],
    });
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.resourceCountIs('AWS::Events::Rule', 2);
  });

  it('matches the events Bifrost builds: the patterns name real detail types and fields', async () => {
    const { DETAIL_SCHEMAS } = await import('../../lambdas/core/events/index.js');
    const rules = Object.values(template.findResources('AWS::Events::Rule')).map((r) => r.Properties.EventPattern as { 'detail-type': string[]; detail: Record<string, unknown> });
    for (const rule of rules) {
      for (const type of rule['detail-type']) {
        const shape = (DETAIL_SCHEMAS as Record<string, { shape: Record<string, unknown> }>)[type];
        expect(shape, type).toBeDefined();
        for (const field of Object.keys(rule.detail)) expect(Object.keys(shape!.shape), `${type}.${field}`).toContain(field);
      }
    }
  });
});
