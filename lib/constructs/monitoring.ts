import { Duration, Stack } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, type MetricName } from '../../functions/shared/metrics';

/**
 * How the bridge's custom metrics reach CloudWatch, and so how the dashboard must ask for them.
 *
 * Powertools Metrics 2.35 (`new Metrics({ namespace, serviceName, defaultDimensions: { tenant } })`, see
 * functions/shared/metrics.ts) always puts `service` into the default dimensions, so a plain
 * `addMetric()` is stored under exactly the dimension set {service, tenant}. A metric published through
 * `singleMetric().addDimension(name, …)` is stored under {name, service, tenant} only: Powertools does not
 * also emit the default-only set. CloudWatch matches dimension sets exactly, so the dashboard reads each
 * metric through a SEARCH on its exact schema, for this tenant, summed across services (which service
 * emits a figure is the code's business, not the dashboard's). Alarms cannot use SEARCH: they use a
 * Metrics Insights query over the namespace, which counts each value once whatever its dimension set.
 */
export const TENANT_DIMENSION = 'tenant';
export const SERVICE_DIMENSION = 'service';

/**
 * The one extra dimension some metrics carry, as the code emits them (fifo-consumer: errors and parked
 * messages by error kind; client-telemetry: throttles by downstream system). A test checks the code.
 */
export const EXTRA_DIMENSION: Readonly<Partial<Record<MetricName, string>>> = {
  [METRIC.syncErrors]: 'kind',
  [METRIC.messagesParked]: 'kind',
  [METRIC.throttles]: 'system',
};

/** The exact dimension set a metric is stored under. */
export const dimensionSetOf = (metric: MetricName): readonly string[] =>
  [SERVICE_DIMENSION, TENANT_DIMENSION, ...(EXTRA_DIMENSION[metric] ? [EXTRA_DIMENSION[metric]] : [])].sort();

/** Every custom metric the dashboard shows. A test checks each is a METRIC value and emitted by code. */
export const dashboardMetricNames: readonly MetricName[] = [
  METRIC.webhooksAccepted,
  METRIC.webhooksRefused,
  METRIC.handoffsReceived,
  METRIC.casesCreated,
  METRIC.casesAppended,
  METRIC.contactsCreated,
  METRIC.activitiesWritten,
  METRIC.repliesDelivered,
  METRIC.repliesBlocked,
  METRIC.resolutionsToCreatio,
  METRIC.resolutionsToOpenCx,
  METRIC.creatioRequests,
  METRIC.opencxRequests,
  METRIC.creatioAuthFailures,
  METRIC.throttles,
  METRIC.syncErrors,
  METRIC.messagesParked,
  METRIC.syncLag,
];

export const dashboardName = (tenant: string): string => `OpenCxCreatioSync-${tenant}`;

export interface MonitoredQueue {
  readonly queue: sqs.IQueue;
  readonly dlq: sqs.IQueue;
}

export interface MonitoringProps {
  readonly tenant: string;
  /** Receives every alarm (and its return to OK). Without it the topic has no subscriber yet. */
  readonly alarmEmail?: string;
  /** A work queue whose oldest message is older than this raises an alarm. */
  readonly oldestMessageAgeSeconds: number;
  /** `FifoQueueWithDlq` instances fit as they are. */
  readonly queues: { readonly opencxEvents: MonitoredQueue; readonly creatioEvents: MonitoredQueue };
  /** Queue consumers by name (the name labels graphs and alarms), e.g. `{ 'sync-to-creatio': fn }`. */
  readonly consumers: Readonly<Record<string, lambda.IFunction>>;
  /** Webhook Lambdas by name. */
  readonly webhooks: Readonly<Record<string, lambda.IFunction>>;
  readonly api: apigwv2.IHttpApi;
}

const FIVE_MINUTES = Duration.minutes(5);
const ONE_MINUTE = Duration.minutes(1);

/**
 * What support staff and operators watch: one CloudWatch dashboard per tenant, alarms on what needs a
 * person (a parked message, a queue that stopped moving, Creatio refusing our credentials, failing
 * syncs, the API failing senders), all sent to one encrypted SNS topic with the tenant's e-mail.
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;
  readonly dashboardUrl: string;

  private readonly tenant: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.tenant = props.tenant;
    const stack = Stack.of(this);
    const prefix = dashboardName(props.tenant);
    const ops = (command: string) => `npm run ops -- ${command} --tenant ${props.tenant}`;

    // ---- Topic -------------------------------------------------------------------------------
    this.key = new kms.Key(this, 'AlarmTopicKey', {
      description: `${props.tenant}: encrypts the alarm topic of opencx-creatio-sync`,
      enableKeyRotation: true,
    });
    // CloudWatch publishes to the encrypted topic as itself: it needs the data key (AWS: "CloudWatch
    // alarm actions to an encrypted topic").
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToUseTheKey',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `opencx-creatio-sync ${props.tenant} alarms`,
      masterKey: this.key,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisAccountsCloudWatchAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*` },
          StringEquals: { 'aws:SourceAccount': stack.account },
        },
      }),
    );
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    // ---- Alarms ------------------------------------------------------------------------------
    const alarms: Record<string, cloudwatch.Alarm> = {};
    const alarm = (name: string, options: cloudwatch.AlarmProps) => {
      const created = new cloudwatch.Alarm(this, name, { ...options, alarmName: `${prefix}-${options.alarmName}` });
      created.addAlarmAction(new actions.SnsAction(this.topic));
      created.addOkAction(new actions.SnsAction(this.topic));
      alarms[name] = created;
      return created;
    };

    const queues = [
      { key: 'OpenCx', label: 'opencx-events', flag: 'opencx', direction: 'OpenCX → Creatio', pair: props.queues.opencxEvents },
      { key: 'Creatio', label: 'creatio-events', flag: 'creatio', direction: 'Creatio → OpenCX', pair: props.queues.creatioEvents },
    ] as const;
    for (const q of queues) {
      alarm(`${q.key}DlqNotEmpty`, {
        alarmName: `${q.label}-dlq-not-empty`,
        alarmDescription:
          `A ${q.direction} message is parked in the ${q.label} dead-letter queue: that sync failed for good and will not be retried on its own. ` +
          `See why with \`${ops('status')}\`, fix the cause, then \`${ops(`redrive --queue ${q.flag}`)}\`.`,
        metric: q.pair.dlq.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: ONE_MINUTE }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        // SQS stops reporting an idle queue: no data means empty.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm(`${q.key}QueueStalled`, {
        alarmName: `${q.label}-oldest-message-age`,
        alarmDescription:
          `The oldest ${q.direction} message has waited more than ${props.oldestMessageAgeSeconds} s in ${q.label}: syncs are behind ` +
          `(downstream throttling or down, a conversation blocked by a failing message, or the consumer failing). Check the dashboard's errors and \`${ops('status')}\`.`,
        metric: q.pair.queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', period: FIVE_MINUTES }),
        threshold: props.oldestMessageAgeSeconds,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }

    alarm('CreatioAuthFailures', {
      alarmName: 'creatio-auth-failures',
      alarmDescription:
        `Creatio refused the bridge's credentials or permissions. Run \`${ops('check')}\`: it names the cause ` +
        '(URL with a trailing slash, OAuth app not on the Client Credentials grant, expired or regenerated secret, missing permissions) and the fix.',
      metric: this.insightsSum(METRIC.creatioAuthFailures, 'Creatio auth failures'),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    alarm('MessagesQuarantined', {
      alarmName: 'messages-quarantined',
      alarmDescription:
        'Creatio refused one or more messages for good (a business rule, a required column, a value it will not take); the rest of each conversation went on. ' +
        `\`${ops('status')}\` lists them (session, message id, reason); fix the cause, then \`${ops('replay')} --session <id>\` writes them.`,
      metric: this.insightsSum(METRIC.messagesQuarantined, 'Messages quarantined'),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    alarm('SyncErrors', {
      alarmName: 'sync-errors',
      alarmDescription:
        'Syncs keep failing (5 or more errors in 5 minutes, twice in 15 minutes). The dashboard\'s "Errors and throttles by kind" says which kind; ' +
        `logs: the "errors by kind" Logs Insights query in docs/operations.md. \`${ops('status')}\` shows parked messages.`,
      metric: this.insightsSum(METRIC.syncErrors, 'Sync errors'),
      threshold: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    for (const [name, fn] of Object.entries(props.consumers)) {
      alarm(`ConsumerErrorRate${pascal(name)}`, {
        alarmName: `${name}-error-rate`,
        alarmDescription:
          `More than 10 % of ${name} invocations failed as a whole (crash, timeout, out of memory) in two of the last three 5-minute periods. ` +
          'Per-message failures are reported to SQS instead and show as sync errors; this alarm means the function itself is failing. See its log group.',
        metric: new cloudwatch.MathExpression({
          expression: 'IF(invocations > 0, 100 * FILL(errors, 0) / invocations, 0)',
          usingMetrics: { errors: fn.metricErrors({ statistic: 'Sum' }), invocations: fn.metricInvocations({ statistic: 'Sum' }) },
          period: FIVE_MINUTES,
          label: `${name} error rate (%)`,
        }),
        threshold: 10,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }

    alarm('Api5xx', {
      alarmName: 'api-5xx',
      alarmDescription:
        'The webhook API answered 5xx 5 times or more in 5 minutes: events were not queued (the senders retry, Creatio\'s "Call web service" may not). ' +
        'Look at the webhook functions\' logs ("unhandled error") and the queues.',
      metric: props.api.metricServerError({ statistic: 'Sum', period: FIVE_MINUTES }),
      threshold: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarms = alarms;

    // ---- Dashboard ---------------------------------------------------------------------------
    const name = dashboardName(props.tenant);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: name,
      defaultInterval: Duration.hours(24),
    });
    this.dashboardUrl = `https://${stack.region}.console.aws.amazon.com/cloudwatch/home?region=${stack.region}#dashboards/dashboard/${name}`;

    const total = (metric: MetricName, label: string, color?: string) =>
      new cloudwatch.MathExpression({
        expression: `SUM(${this.search(metric, 'Sum')})`,
        label,
        period: FIVE_MINUTES,
        ...(color ? { color } : {}),
      });
    const graph = (title: string, left: cloudwatch.IMetric[], options: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: 8, height: 6, period: FIVE_MINUTES, ...options });

    const consumers = Object.entries(props.consumers);
    const webhooks = Object.entries(props.webhooks);

    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        width: 24,
        height: 3,
        markdown: [
          `# OpenCX ⇄ Creatio bridge: ${props.tenant}`,
          "Top row: totals over the selected time range. Graphs: per 5 minutes. Red alarm = a person is needed; each alarm's description says what to run.",
          `Operator commands: \`${ops('status')}\` (queues, parked messages and why), \`${ops('check')}\` (credentials and GUIDs), ` +
            `\`${ops('redrive')}\`, \`${ops('replay')} --session <id>\`. Runbook, widget guide and Logs Insights queries: docs/operations.md.`,
        ].join('\n\n'),
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: Object.values(alarms),
        width: 24,
        height: 3,
        sortBy: cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.SingleValueWidget({
        title: 'Totals over the selected time range',
        metrics: [
          total(METRIC.handoffsReceived, 'Handoffs received'),
          total(METRIC.casesCreated, 'Cases created'),
          total(METRIC.casesAppended, 'Cases appended'),
          total(METRIC.activitiesWritten, 'Activities written'),
          total(METRIC.repliesDelivered, 'Replies delivered'),
          total(METRIC.repliesBlocked, 'Replies blocked (WhatsApp window)'),
          total(METRIC.resolutionsToCreatio, 'Resolutions → Creatio'),
          total(METRIC.resolutionsToOpenCx, 'Resolutions → OpenCX'),
        ],
        setPeriodToTimeRange: true,
        width: 24,
        height: 4,
      }),
    );
    this.dashboard.addWidgets(
      graph('Handoffs and cases (OpenCX → Creatio)', [
        total(METRIC.handoffsReceived, 'handoffs received'),
        total(METRIC.casesCreated, 'cases created'),
        total(METRIC.casesAppended, 'appended to an open case'),
        total(METRIC.contactsCreated, 'contacts created'),
      ]),
      graph('Messages each way', [
        total(METRIC.activitiesWritten, 'activities written in Creatio'),
        total(METRIC.repliesDelivered, 'replies delivered to OpenCX'),
        total(METRIC.repliesBlocked, 'replies blocked (WhatsApp 24 h window)', '#d62728'),
      ]),
      graph('Resolutions each way', [
        total(METRIC.resolutionsToCreatio, 'OpenCX resolved → Creatio case status'),
        total(METRIC.resolutionsToOpenCx, 'Creatio resolved → OpenCX session closed'),
      ]),
    );
    this.dashboard.addWidgets(
      graph(
        'Sync lag: event in OpenCX → written in Creatio',
        [
          new cloudwatch.MathExpression({ expression: this.search(METRIC.syncLag, 'p50'), label: 'p50', period: FIVE_MINUTES }),
          new cloudwatch.MathExpression({ expression: this.search(METRIC.syncLag, 'p95'), label: 'p95', period: FIVE_MINUTES }),
        ],
        { leftYAxis: { label: 'ms', showUnits: false, min: 0 } },
      ),
      graph('Requests to Creatio and OpenCX', [total(METRIC.creatioRequests, 'Creatio requests'), total(METRIC.opencxRequests, 'OpenCX requests')]),
      graph('Errors and throttles by kind', [
        // One line per kind (errors, parked messages) or per system (throttles), and per service.
        new cloudwatch.MathExpression({ expression: this.search([METRIC.syncErrors, METRIC.messagesParked], 'Sum'), label: '', period: FIVE_MINUTES }),
        new cloudwatch.MathExpression({ expression: this.search([METRIC.throttles], 'Sum'), label: '', period: FIVE_MINUTES }),
        total(METRIC.creatioAuthFailures, 'Creatio auth failures', '#d62728'),
      ]),
    );
    this.dashboard.addWidgets(
      graph(
        'Work queues: messages waiting / in flight',
        queues.flatMap((q) => [
          q.pair.queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', label: `${q.label} waiting`, period: ONE_MINUTE }),
          q.pair.queue.metricApproximateNumberOfMessagesNotVisible({ statistic: 'Maximum', label: `${q.label} in flight`, period: ONE_MINUTE }),
        ]),
      ),
      graph(
        'Work queues: age of oldest message',
        queues.map((q) => q.pair.queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', label: q.label, period: ONE_MINUTE })),
        {
          leftYAxis: { label: 'seconds', showUnits: false, min: 0 },
          leftAnnotations: [{ value: props.oldestMessageAgeSeconds, label: 'alarm', color: '#d62728' }],
        },
      ),
      graph(
        'Dead-letter queues: parked messages',
        queues.map((q) => q.pair.dlq.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', label: `${q.label} DLQ`, period: ONE_MINUTE })),
        { leftYAxis: { min: 0 }, leftAnnotations: [{ value: 1, label: 'alarm: redrive after fixing the cause', color: '#d62728' }] },
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'Consumer errors and throttles',
        consumers.flatMap(([label, fn]) => [
          fn.metricErrors({ statistic: 'Sum', label: `${label} errors` }),
          fn.metricThrottles({ statistic: 'Sum', label: `${label} throttles` }),
        ]),
      ),
      graph(
        'Consumer duration',
        consumers.flatMap(([label, fn]) => [
          fn.metricDuration({ statistic: 'p50', label: `${label} p50` }),
          fn.metricDuration({ statistic: 'p95', label: `${label} p95` }),
          fn.metricDuration({ statistic: 'Maximum', label: `${label} max` }),
        ]),
        { leftYAxis: { label: 'ms', showUnits: false, min: 0 } },
      ),
      graph('API: requests, 4xx, 5xx and webhooks', [
        props.api.metricCount({ statistic: 'Sum', label: 'requests' }),
        props.api.metricClientError({ statistic: 'Sum', label: '4xx (wrong token, malformed body)' }),
        props.api.metricServerError({ statistic: 'Sum', label: '5xx (not queued)', color: '#d62728' }),
        total(METRIC.webhooksAccepted, 'webhooks queued'),
        total(METRIC.webhooksRefused, 'webhooks refused'),
        ...webhooks.map(([label, fn]) => fn.metricErrors({ statistic: 'Sum', label: `${label} errors` })),
      ]),
    );
  }

  /**
   * A SEARCH over the exact dimension set the metrics are emitted with (all of `metrics` must share it),
   * this tenant only. No period inside: the widget's period applies (the whole range for the totals row).
   */
  private search(metrics: MetricName | readonly MetricName[], statistic: string): string {
    const names: readonly MetricName[] = typeof metrics === 'string' ? [metrics] : metrics;
    const schemas = new Set(names.map((name) => dimensionSetOf(name).join(',')));
    if (schemas.size !== 1) throw new Error(`one SEARCH cannot cover metrics stored under different dimension sets: ${names.join(', ')}`);
    const byName = names.length === 1 ? `MetricName="${names[0]}"` : `(${names.map((n) => `MetricName="${n}"`).join(' OR ')})`;
    return `SEARCH('{${METRICS_NAMESPACE},${[...schemas][0]}} ${TENANT_DIMENSION}="${this.tenant}" ${byName}', '${statistic}')`;
  }

  /**
   * Alarms cannot use SEARCH; a Metrics Insights query can sum a metric across services (and across
   * any extra dimension such as `kind`) for this tenant.
   */
  private insightsSum(metric: MetricName, label: string): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: `SELECT SUM(${metric}) FROM "${METRICS_NAMESPACE}" WHERE ${TENANT_DIMENSION} = '${this.tenant}'`,
      label,
      period: FIVE_MINUTES,
    });
  }
}

const pascal = (value: string): string =>
  value
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
