/**
 * The Monitoring construct, synthesised in a small stack fed by real queues, functions and an HTTP API:
 * what would hurt in production if it were wrong (alarms that never fire or fire to nobody, a dashboard
 * that shows names the code does not emit, an unencrypted topic).
 */
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { METRIC } from '../../functions/shared/metrics';
import { FifoQueueWithDlq } from '../../lib/constructs/fifo-queue-with-dlq';
import { EXTRA_DIMENSION, Monitoring, dashboardMetricNames, dashboardName, dimensionSetOf } from '../../lib/constructs/monitoring';

const ROOT = path.join(__dirname, '..', '..');
const TENANT = 'acme';
const AGE_THRESHOLD = 900;

type Resource = { Type: string; Properties: Record<string, any> };

/** Fixtures that are not under test: acknowledged so that only the Monitoring construct's findings count. */
const fixtureFunction = (stack: Stack, id: string): lambda.Function => {
  const role = new iam.Role(stack, `${id}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({});'),
    role,
    timeout: Duration.seconds(60),
  });
};

const build = (options: { alarmEmail?: string; nag?: boolean } = {}) => {
  const app = new App();
  const stack = new Stack(app, 'MonitoringTest', { env: { account: '123456789012', region: 'eu-west-1' } });
  const opencxEvents = new FifoQueueWithDlq(stack, 'OpenCxEvents', { consumerTimeout: Duration.seconds(60) });
  const creatioEvents = new FifoQueueWithDlq(stack, 'CreatioEvents', { consumerTimeout: Duration.seconds(60) });
  const api = new apigwv2.HttpApi(stack, 'Api', { createDefaultStage: false });
  const functions = {
    'sync-to-creatio': fixtureFunction(stack, 'SyncToCreatio'),
    'sync-to-opencx': fixtureFunction(stack, 'SyncToOpenCx'),
    'opencx-webhook': fixtureFunction(stack, 'OpenCxWebhook'),
    'creatio-webhook': fixtureFunction(stack, 'CreatioWebhook'),
  };
  for (const fn of Object.values(functions)) {
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Test fixture: an inline stand-in for a bridge Lambda, not deployed; the real ones are checked in stack.test.ts.',
    });
  }
  const monitoring = new Monitoring(stack, 'Monitoring', {
    tenant: TENANT,
    ...(options.alarmEmail ? { alarmEmail: options.alarmEmail } : {}),
    oldestMessageAgeSeconds: AGE_THRESHOLD,
    queues: { opencxEvents, creatioEvents },
    consumers: { 'sync-to-creatio': functions['sync-to-creatio'], 'sync-to-opencx': functions['sync-to-opencx'] },
    webhooks: { 'opencx-webhook': functions['opencx-webhook'], 'creatio-webhook': functions['creatio-webhook'] },
    api,
  });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack, monitoring, opencxEvents, creatioEvents };
};

const { stack, opencxEvents, creatioEvents } = build({ alarmEmail: 'support-ops@example.com' });
const template = Template.fromStack(stack);
const resourcesOf = (type: string): Record<string, Resource> => template.findResources(type) as Record<string, Resource>;
const alarms = Object.values(resourcesOf('AWS::CloudWatch::Alarm'));
const topicId = Object.keys(resourcesOf('AWS::SNS::Topic'))[0]!;
const queueLogicalId = (queue: { node: { defaultChild: unknown } }) => stack.getLogicalId(queue.node.defaultChild as never);
const dimensionRefs = (alarm: Resource): string[] =>
  ((alarm.Properties.Dimensions ?? []) as { Value: { 'Fn::GetAtt'?: [string, string] } }[]).map((d) => d.Value['Fn::GetAtt']?.[0] ?? '');
const actionsGoToTopic = (alarm: Resource) =>
  (alarm.Properties.AlarmActions as { Ref: string }[]).some((action) => action.Ref === topicId) &&
  (alarm.Properties.OKActions as { Ref: string }[]).some((action) => action.Ref === topicId);
const dashboardBody = (): string => {
  const dashboard = Object.values(resourcesOf('AWS::CloudWatch::Dashboard'))[0]!;
  const body = dashboard.Properties.DashboardBody as string | { 'Fn::Join': [string, unknown[]] };
  return typeof body === 'string' ? body : body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join('');
};

describe('alarms', () => {
  it.each([
    ['opencx-events', () => opencxEvents.dlq],
    ['creatio-events', () => creatioEvents.dlq],
  ])('raises an alarm to the topic as soon as one message sits in the %s DLQ', (_label, dlqOf) => {
    const dlqId = queueLogicalId(dlqOf());
    const dlqAlarms = alarms.filter((a) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible' && dimensionRefs(a).includes(dlqId));

    expect(dlqAlarms).toHaveLength(1);
    const alarm = dlqAlarms[0]!;
    expect(alarm.Properties.Threshold).toBe(1);
    expect(alarm.Properties.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
    expect(alarm.Properties.TreatMissingData).toBe('notBreaching');
    expect(actionsGoToTopic(alarm)).toBe(true);
  });

  it('raises an alarm when the oldest message of either work queue is older than the tenant threshold', () => {
    for (const queue of [opencxEvents.queue, creatioEvents.queue]) {
      const ageAlarms = alarms.filter((a) => a.Properties.MetricName === 'ApproximateAgeOfOldestMessage' && dimensionRefs(a).includes(queueLogicalId(queue)));
      expect(ageAlarms).toHaveLength(1);
      expect(ageAlarms[0]!.Properties).toMatchObject({ Threshold: AGE_THRESHOLD, ComparisonOperator: 'GreaterThanThreshold', Statistic: 'Maximum' });
      expect(actionsGoToTopic(ageAlarms[0]!)).toBe(true);
    }
  });

  it('raises an alarm on the first Creatio auth failure of the tenant within five minutes', () => {
    const auth = alarms.filter((a) => (a.Properties.Metrics as { Expression?: string }[] | undefined)?.some((m) => m.Expression?.includes(METRIC.creatioAuthFailures)));

    expect(auth).toHaveLength(1);
    const query = (auth[0]!.Properties.Metrics as { Expression: string; Period: number }[])[0]!;
    expect(query.Expression).toBe(`SELECT SUM(${METRIC.creatioAuthFailures}) FROM "OpenCxCreatioSync" WHERE tenant = '${TENANT}'`);
    expect(query.Period).toBe(300);
    expect(auth[0]!.Properties).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
    expect(actionsGoToTopic(auth[0]!)).toBe(true);
  });

  it("watches sync errors, each consumer's error rate and API 5xx, all to the topic", () => {
    const expressions = alarms.flatMap((a) => ((a.Properties.Metrics ?? []) as { Expression?: string }[]).map((m) => m.Expression ?? ''));
    expect(expressions.some((e) => e.includes(`SUM(${METRIC.syncErrors})`))).toBe(true);
    expect(expressions.filter((e) => e.includes('100 * FILL(errors, 0) / invocations'))).toHaveLength(2);
    expect(alarms.some((a) => a.Properties.MetricName === '5xx' && a.Properties.Namespace === 'AWS/ApiGateway')).toBe(true);
    for (const alarm of alarms) expect(actionsGoToTopic(alarm)).toBe(true);
  });

  it('names every alarm after the tenant and says in its description what to do', () => {
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmName).toMatch(new RegExp(`^OpenCxCreatioSync-${TENANT}-`));
      expect(String(alarm.Properties.AlarmDescription).length).toBeGreaterThan(80);
    }
  });
});

describe('alarm topic', () => {
  it('is encrypted with a rotating customer-managed key that CloudWatch may use, and refuses plain HTTP', () => {
    const topic = resourcesOf('AWS::SNS::Topic')[topicId]!;
    const [keyId, key] = Object.entries(resourcesOf('AWS::KMS::Key'))[0]!;
    expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    expect(key.Properties.EnableKeyRotation).toBe(true);
    const keyStatements = key.Properties.KeyPolicy.Statement as { Principal?: { Service?: string }; Action: string[] }[];
    expect(keyStatements.some((s) => s.Principal?.Service === 'cloudwatch.amazonaws.com' && s.Action.includes('kms:GenerateDataKey*'))).toBe(true);
    const topicStatements = Object.values(resourcesOf('AWS::SNS::TopicPolicy')).flatMap((p) => p.Properties.PolicyDocument.Statement as Record<string, any>[]);
    expect(topicStatements.some((s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false')).toBe(true);
    expect(topicStatements.some((s) => s.Effect === 'Allow' && s.Principal?.Service === 'cloudwatch.amazonaws.com')).toBe(true);
  });

  it('subscribes the tenant alarm e-mail, and no one when the tenant has none', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'support-ops@example.com' });
    const withoutEmail = Template.fromStack(build().stack);
    expect(Object.keys(withoutEmail.findResources('AWS::SNS::Subscription'))).toHaveLength(0);
  });
});

describe('dashboard', () => {
  const body = dashboardBody();

  it(`is called ${dashboardName(TENANT)}`, () => {
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: `OpenCxCreatioSync-${TENANT}` });
  });

  it('shows every custom metric it claims, each for this tenant on the exact dimension set it is emitted with', () => {
    const searches = [...body.matchAll(/SEARCH\('\{([^}]*)\} tenant=\\"([^\\]*)\\" ([^']*)'/g)].map((m) => ({ schema: m[1], tenant: m[2], terms: m[3] ?? '' }));
    for (const name of dashboardMetricNames) {
      const reading = searches.filter((s) => s.terms.includes(`MetricName=\\"${name}\\"`));
      expect({ name, read: reading.length > 0 }).toEqual({ name, read: true });
      for (const search of reading)
        expect({ name, schema: search.schema, tenant: search.tenant }).toEqual({ name, schema: `OpenCxCreatioSync,${dimensionSetOf(name).join(',')}`, tenant: TENANT });
    }
  });

  it('shows no custom metric name that is not in the METRIC list nor in dashboardMetricNames (names cannot drift apart)', () => {
    const shown = [...body.matchAll(/MetricName=\\"([A-Za-z0-9]+)\\"/g)].map((m) => m[1]);
    const known = new Set<string>(Object.values(METRIC));
    expect(shown.filter((name) => !known.has(name!))).toEqual([]);
    expect(dashboardMetricNames.filter((name) => !known.has(name))).toEqual([]);
    expect(shown.filter((name) => !(dashboardMetricNames as readonly string[]).includes(name!))).toEqual([]);
  });

  it('shows queue depth, age of oldest message, DLQ depth, consumer errors and duration, and API 4xx/5xx', () => {
    for (const metric of ['ApproximateNumberOfMessagesVisible', 'ApproximateAgeOfOldestMessage', 'Errors', 'Duration', '4xx', '5xx']) {
      expect(body).toContain(`"${metric}"`);
    }
  });
});

describe('metric names on the dashboard and in the code', () => {
  /** `METRIC.<key>` (or `METRIC['<key>']`) anywhere under functions/, except where METRIC is defined. */
  const usedMetricKeys = (): Set<string> => {
    const used = new Set<string>();
    const visit = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) visit(file);
        else if (entry.name.endsWith('.ts') && file !== path.join(ROOT, 'functions', 'shared', 'metrics.ts')) {
          const source = fs.readFileSync(file, 'utf8');
          for (const match of source.matchAll(/\bMETRIC\s*(?:\.\s*([A-Za-z0-9_]+)|\[\s*['"]([A-Za-z0-9_]+)['"]\s*\])/g)) used.add(match[1] ?? match[2]!);
        }
      }
    };
    visit(path.join(ROOT, 'functions'));
    return used;
  };

  it('has every metric the dashboard shows emitted somewhere under functions/', () => {
    const used = usedMetricKeys();
    const keyOf = new Map(Object.entries(METRIC).map(([key, name]) => [name as string, key]));
    const missing = dashboardMetricNames.filter((name) => !used.has(keyOf.get(name) ?? '')).map((name) => `METRIC.${keyOf.get(name)} (${name})`);

    expect({ 'shown on the dashboard but never emitted by functions/': missing }).toEqual({ 'shown on the dashboard but never emitted by functions/': [] });
  });
});

describe('dimensions on the dashboard and in the code', () => {
  /** Files under functions/ that use METRIC.<key>, with the dimension names they add. */
  const filesUsing = (key: string): { file: string; dimensions: string[] }[] => {
    const found: { file: string; dimensions: string[] }[] = [];
    const visit = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) visit(file);
        else if (entry.name.endsWith('.ts')) {
          const source = fs.readFileSync(file, 'utf8');
          if (new RegExp(`\\bMETRIC\\.${key}\\b`).test(source)) {
            found.push({ file: path.relative(ROOT, file), dimensions: [...source.matchAll(/addDimension\(\s*['"]([A-Za-z0-9_]+)['"]/g)].map((m) => m[1]!) });
          }
        }
      }
    };
    visit(path.join(ROOT, 'functions'));
    return found;
  };

  it.each(Object.entries(EXTRA_DIMENSION))('reads %s with the extra dimension %s that the emitting code adds', (name, dimension) => {
    const key = Object.entries(METRIC).find(([, value]) => value === name)![0];
    const users = filesUsing(key);

    // Before the metric is emitted at all, the emitted-metrics test above reports it.
    if (users.length === 0) return;
    expect(users.filter((u) => u.dimensions.includes(dimension!)).map((u) => u.file)).not.toEqual([]);
  });
});

describe('security checks', () => {
  it('leaves cdk-nag AwsSolutions with no unacknowledged finding', () => {
    const { app } = build({ alarmEmail: 'support-ops@example.com', nag: true });

    expect(() => app.synth()).not.toThrow();
  });
});
