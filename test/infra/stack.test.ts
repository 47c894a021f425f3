import { App, Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as path from 'node:path';
import { OpenCxCreatioSyncStack } from '../../lib/opencx-creatio-sync-stack';
import { loadTenantConfig } from '../../lib/tenant-config-loader';
import { addSecurityChecks } from '../../lib/security-checks';
import { STATE_STORE_TABLE_ACTIONS } from '../../functions/shared/state/table-definition';

const config = loadTenantConfig(path.join(__dirname, '..', '..', 'tenants', 'example.json'));

/** Synthesises the example tenant without bundling (the real `cdk synth` test bundles). */
const synth = () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new OpenCxCreatioSyncStack(app, 'Test', { config, version: 'test', env: { account: '123456789012', region: 'eu-west-1' } });
  return { app, stack, template: Template.fromStack(stack) };
};

const { stack, template } = synth();
const resources = (type: string) => template.findResources(type);
const logicalIdOf = (type: string, predicate: (props: Record<string, unknown>) => boolean): string => {
  const entry = Object.entries(resources(type)).find(([, r]) => predicate((r as { Properties: Record<string, unknown> }).Properties ?? {}));
  if (!entry) throw new Error(`no ${type} matches`);
  return entry[0];
};
const functionId = (name: string) => logicalIdOf('AWS::Lambda::Function', (p) => String(p.Description ?? '').includes(name));
const policyStatementsOf = (fnLogicalId: string) => {
  const fn = resources('AWS::Lambda::Function')[fnLogicalId] as { Properties: { Role: { 'Fn::GetAtt': [string] } } };
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  return Object.values(resources('AWS::IAM::Policy'))
    .filter((p) => (p as { Properties: { Roles: { Ref: string }[] } }).Properties.Roles.some((r) => r.Ref === roleId))
    .flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement);
};
const actionsOf = (fnLogicalId: string) => policyStatementsOf(fnLogicalId).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

describe('queues', () => {
  const queues = Object.values(resources('AWS::SQS::Queue')) as { Properties: Record<string, unknown> }[];
  const mainQueues = queues.filter((q) => q.Properties.RedrivePolicy);

  it('has two FIFO work queues, each redriving to a FIFO DLQ after 5 receives', () => {
    expect(mainQueues).toHaveLength(2);
    for (const queue of mainQueues) {
      expect(queue.Properties.FifoQueue).toBe(true);
      expect(queue.Properties.RedrivePolicy).toMatchObject({ maxReceiveCount: 5 });
    }
    const dlqs = queues.filter((q) => !q.Properties.RedrivePolicy);
    expect(dlqs).toHaveLength(2);
    for (const dlq of dlqs) expect(dlq.Properties).toMatchObject({ FifoQueue: true, MessageRetentionPeriod: 1209600 });
  });

  it('relies on explicit dedup ids, not content-based deduplication', () => {
    for (const queue of mainQueues) expect(queue.Properties.ContentBasedDeduplication).toBe(false);
  });

  it('keeps messages invisible for at least six times the consumer timeout', () => {
    const consumerTimeouts = [functionId('opencx-events → Creatio'), functionId('creatio-events → OpenCX')].map(
      (id) => (resources('AWS::Lambda::Function')[id] as { Properties: { Timeout: number } }).Properties.Timeout,
    );
    for (const queue of mainQueues) {
      expect(queue.Properties.VisibilityTimeout as number).toBeGreaterThanOrEqual(6 * Math.max(...consumerTimeouts));
    }
  });

  it('encrypts every queue and refuses non-TLS access', () => {
    for (const queue of queues) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    const policies = Object.values(resources('AWS::SQS::QueuePolicy')) as { Properties: { PolicyDocument: { Statement: unknown[] } } }[];
    expect(policies).toHaveLength(4);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      );
    }
  });
});

describe('consumers', () => {
  it('report partial batch failures and cap their concurrency', () => {
    const mappings = Object.values(resources('AWS::Lambda::EventSourceMapping')) as { Properties: Record<string, unknown> }[];
    expect(mappings).toHaveLength(2);
    for (const mapping of mappings) {
      expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      expect(mapping.Properties.ScalingConfig).toEqual({ MaximumConcurrency: expect.any(Number) });
      expect(mapping.Properties.BatchSize).toBeLessThanOrEqual(10);
    }
  });

  it('run on arm64 with a Node.js runtime, no source-map loading at init, and their own log group with retention', () => {
    template.allResourcesProperties('AWS::Lambda::Function', {
      Architectures: ['arm64'],
      Runtime: Match.stringLikeRegexp('^nodejs2\\d\\.x$'),
      Environment: { Variables: Match.objectLike({ NODE_OPTIONS: Match.absent(), TENANT: 'example' }) },
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON', LogGroup: Match.anyValue() }),
    });
    const logGroups = Object.values(resources('AWS::Logs::LogGroup')) as { Properties: { RetentionInDays?: number } }[];
    for (const group of logGroups) expect(group.Properties.RetentionInDays).toBe(30);
  });
});

describe('tenant URLs', () => {
  it('refuses to deploy a tenant whose Creatio URL is plain http, even on this machine', () => {
    const config = loadTenantConfig(path.join(__dirname, '..', '..', 'tenants', 'example.json'));
    const local = { ...config, creatio: { ...config.creatio, instanceUrl: 'http://127.0.0.1:4510' } };

    expect(() => new OpenCxCreatioSyncStack(new App(), 'LocalOnly', { config: local, version: 'test', env: { account: '123456789012', region: 'eu-west-1' } })).toThrow(
      /must be https:\/\/ to deploy/,
    );
  });
});

describe('least privilege', () => {
  it('grants consumers exactly the table actions the state store calls: no Scan, Query, Delete or Update', () => {
    for (const name of ['opencx-events → Creatio', 'creatio-events → OpenCX']) {
      const tableActions = [...new Set(actionsOf(functionId(name)).filter((a) => a.startsWith('dynamodb:')))].sort();

      expect(tableActions).toEqual([...STATE_STORE_TABLE_ACTIONS].sort());
    }
  });

  it('lets the OpenCX webhook only send to its queue and read its token', () => {
    const actions = actionsOf(functionId('OpenCX webhooks'));

    expect(actions).toEqual(expect.arrayContaining(['sqs:SendMessage', 'secretsmanager:GetSecretValue']));
    expect(actions.some((a) => a.startsWith('dynamodb:'))).toBe(false);
    expect(actions.some((a) => a.startsWith('sqs:Receive') || a.startsWith('sqs:Delete'))).toBe(false);
  });

  it('lets the Creatio webhook only send to its queue and read its token', () => {
    const actions = actionsOf(functionId('business-process calls'));

    expect(actions).toEqual(expect.arrayContaining(['sqs:SendMessage', 'secretsmanager:GetSecretValue']));
    expect(actions.some((a) => a.startsWith('dynamodb:'))).toBe(false);
  });

  it('gives the health function nothing but its logs', () => {
    const actions = actionsOf(functionId('health check'));

    expect([...new Set(actions)].sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
  });

  it('lets consumers use the table but never with a wildcard action or resource', () => {
    for (const name of ['opencx-events → Creatio', 'creatio-events → OpenCX']) {
      const statements = policyStatementsOf(functionId(name));
      const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
      expect(actions).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'sqs:ReceiveMessage', 'sqs:DeleteMessage']));
      expect(actions.some((a) => a === '*' || a.endsWith(':*'))).toBe(false);
      expect(statements.some((s) => s.Resource === '*')).toBe(false);
    }
  });
});

describe('state table', () => {
  it('is on-demand, point-in-time recoverable, TTL on expiresAt, deletion-protected and retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        DeletionProtectionEnabled: true,
      }),
    });
  });
});

describe('HTTP API', () => {
  it('has exactly the routes of the design', () => {
    const routeKeys = (Object.values(resources('AWS::ApiGatewayV2::Route')) as { Properties: { RouteKey: string } }[]).map((r) => r.Properties.RouteKey).sort();
    expect(routeKeys).toEqual(['GET /health', 'POST /creatio/webhook/{token}', 'POST /opencx/webhook/{token}']);
  });

  it('throttles and writes access logs that never include the path (it holds the token)', () => {
    const stage = Object.values(resources('AWS::ApiGatewayV2::Stage'))[0] as { Properties: Record<string, any> };
    expect(stage.Properties.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 });
    const format = String(stage.Properties.AccessLogSettings.Format);
    expect(format).toContain('$context.routeKey');
    expect(format).not.toMatch(/\$context\.(path|http\.path)|rawPath/);
  });
});

describe('secrets', () => {
  it('generates both webhook tokens at deploy and never puts credentials in the template', () => {
    const secrets = Object.values(resources('AWS::SecretsManager::Secret')) as { Properties: Record<string, any> }[];
    expect(secrets).toHaveLength(4);
    const generated = secrets.filter((s) => s.Properties.GenerateSecretString?.GenerateStringKey === 'token');
    expect(generated).toHaveLength(2);
    for (const secret of secrets) expect(secret.Properties.SecretString).toBeUndefined();
  });
});

describe('security checks', () => {
  it('passes cdk-nag AwsSolutions and the built-in template validation with no unacknowledged finding', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    new OpenCxCreatioSyncStack(app, 'Nagged', { config, version: 'test', env: { account: '123456789012', region: 'eu-west-1' } });
    addSecurityChecks(app);

    expect(() => app.synth()).not.toThrow();
  });

  it('does fail synthesis for a resource that breaks an AwsSolutions rule (the check is live)', () => {
    const app = new App();
    const bad = new Stack(app, 'Bad');
    new sqs.Queue(bad, 'PlainQueue');
    addSecurityChecks(app);

    expect(() => app.synth()).toThrow();
  });

  it('gives every acknowledged rule a reason', () => {
    const acknowledgements = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).map((m) => m.data as unknown));
    const flat = acknowledgements.flatMap((d) => (Array.isArray(d) ? d : Object.entries(d as object).map(([id, reason]) => ({ id, reason }))));
    expect(flat.length).toBeGreaterThan(0);
    for (const ack of flat as { id: string; reason: string }[]) expect(String(ack.reason).length).toBeGreaterThan(40);
  });
});
