import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { TenantConfig } from '../functions/shared/schemas/tenant-config';
import { STATE_STORE_TABLE_ACTIONS, TABLE_KEYS } from '../functions/shared/state/table-definition';
import { BridgeFunction } from './constructs/bridge-function';
import { CONSUMER_SETTINGS } from './consumer-settings';
import { FifoQueueWithDlq } from './constructs/fifo-queue-with-dlq';
import { Monitoring } from './constructs/monitoring';

export interface OpenCxCreatioSyncStackProps extends StackProps {
  readonly config: TenantConfig;
  readonly version: string;
}

const CONSUMER_TIMEOUT = Duration.seconds(CONSUMER_SETTINGS.timeoutSeconds);
/** Lambda's environment holds at most 4 KB; the tenant config must leave room for the rest. */
export const MAX_TENANT_CONFIG_ENV_BYTES = 3000;

/** One tenant's bridge: the wiring of design §1. Each concern lives in its own construct. */
export class OpenCxCreatioSyncStack extends Stack {
  constructor(scope: Construct, id: string, props: OpenCxCreatioSyncStackProps) {
    super(scope, id, props);
    const { config } = props;
    const tenant = config.tenant;
    const logRetention = config.logRetentionDays as logs.RetentionDays;
    const tenantConfigJson = JSON.stringify(config);
    if (Buffer.byteLength(tenantConfigJson) > MAX_TENANT_CONFIG_ENV_BYTES) {
      throw new Error(
        `tenants/${tenant}.json is ${Buffer.byteLength(tenantConfigJson)} bytes once validated; the Lambdas receive it as an environment variable, which must stay under ${MAX_TENANT_CONFIG_ENV_BYTES} bytes. Shorten aiFields labels.`,
      );
    }

    // Plain http is for the local sandboxes only: a deployed bridge sends credentials and customer data over https.
    const plainHttp = [config.creatio.instanceUrl, config.creatio.identityUrl, config.opencx.apiUrl].filter((url) => url?.startsWith('http:'));
    if (plainHttp.length) throw new Error(`tenants/${tenant}.json: ${plainHttp.join(', ')} must be https:// to deploy (plain http is for a local sandbox only).`);

    // ---- State -------------------------------------------------------------------------------
    const table = new dynamodb.Table(this, 'State', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE_KEYS.ttlAttribute,
      deletionProtection: true,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // ---- Secrets (values filled by the operator; tokens generated here) -----------------------
    const placeholder = (description: string) => ({ description });
    const creatioCredentials = new secretsmanager.Secret(
      this,
      'CreatioCredentials',
      placeholder(`${tenant}: Creatio OAuth 2.0 client credentials as JSON {"clientId","clientSecret"}. Fill with: npm run ops -- secrets --tenant ${tenant}`),
    );
    const opencxApiKey = new secretsmanager.Secret(
      this,
      'OpenCxApiKey',
      placeholder(`${tenant}: OpenCX API key as JSON {"apiKey"}. Fill with: npm run ops -- secrets --tenant ${tenant}`),
    );
    const webhookToken = (id: string, who: string) =>
      new secretsmanager.Secret(this, id, {
        description: `${tenant}: token in the ${who} webhook URL, as JSON {"token","signingKey"?}. Generated at deploy.`,
        generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'token', excludePunctuation: true, passwordLength: 48 },
      });
    const opencxWebhookToken = webhookToken('OpenCxWebhookToken', 'OpenCX');
    const creatioWebhookToken = webhookToken('CreatioWebhookToken', 'Creatio');
    for (const secret of [creatioCredentials, opencxApiKey, opencxWebhookToken, creatioWebhookToken]) {
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Creatio client secrets and OpenCX API keys are issued by those systems and cannot be rotated by a Lambda; webhook tokens must change together with the URL configured in OpenCX / Creatio, so rotation is an operator step (README: Operations).',
      });
    }

    // ---- Queues ------------------------------------------------------------------------------
    const opencxEvents = new FifoQueueWithDlq(this, 'OpenCxEvents', { consumerTimeout: CONSUMER_TIMEOUT });
    const creatioEvents = new FifoQueueWithDlq(this, 'CreatioEvents', { consumerTimeout: CONSUMER_TIMEOUT });

    // ---- Functions ---------------------------------------------------------------------------
    const common = { tenant, logRetention };
    const opencxWebhook = new BridgeFunction(this, 'OpenCxWebhook', {
      ...common,
      name: 'opencx-webhook',
      description: `${tenant}: OpenCX webhooks → opencx-events queue`,
    })
      .bindQueueSend(opencxEvents.queue, 'OPENCX_EVENTS_QUEUE_URL')
      .bindSecretRead(opencxWebhookToken, 'OPENCX_WEBHOOK_SECRET_ARN');
    if (config.opencx.organizationId) opencxWebhook.setEnv('OPENCX_ORGANIZATION_ID', config.opencx.organizationId);

    const creatioWebhook = new BridgeFunction(this, 'CreatioWebhook', {
      ...common,
      name: 'creatio-webhook',
      description: `${tenant}: Creatio business-process calls → creatio-events queue`,
    })
      .bindQueueSend(creatioEvents.queue, 'CREATIO_EVENTS_QUEUE_URL')
      .bindSecretRead(creatioWebhookToken, 'CREATIO_WEBHOOK_SECRET_ARN');

    const health = new BridgeFunction(this, 'Health', { ...common, name: 'health', description: `${tenant}: health check`, memorySize: 128 }).setEnv(
      'BRIDGE_VERSION',
      props.version,
    );

    const consumer = (id: string, name: string, description: string) =>
      new BridgeFunction(this, id, { ...common, name, description, timeout: CONSUMER_TIMEOUT, memorySize: 512 })
        .bindTable(table, 'STATE_TABLE_NAME', STATE_STORE_TABLE_ACTIONS)
        .bindSecretRead(creatioCredentials, 'CREATIO_CREDENTIALS_SECRET_ARN')
        .bindSecretRead(opencxApiKey, 'OPENCX_API_KEY_SECRET_ARN')
        .setEnv('TENANT_CONFIG_JSON', tenantConfigJson);
    const syncToCreatio = consumer('SyncToCreatio', 'sync-to-creatio', `${tenant}: opencx-events → Creatio cases and activities`).bindQueueSend(
      opencxEvents.dlq,
      'OPENCX_EVENTS_DLQ_URL',
    );
    const syncToOpenCx = consumer('SyncToOpenCx', 'sync-to-opencx', `${tenant}: creatio-events → OpenCX replies and resolutions`).bindQueueSend(
      creatioEvents.dlq,
      'CREATIO_EVENTS_DLQ_URL',
    );
    const eventSource = (queue: FifoQueueWithDlq) =>
      new SqsEventSource(queue.queue, { batchSize: CONSUMER_SETTINGS.batchSize, reportBatchItemFailures: true, maxConcurrency: CONSUMER_SETTINGS.maxConcurrency });
    syncToCreatio.fn.addEventSource(eventSource(opencxEvents));
    syncToOpenCx.fn.addEventSource(eventSource(creatioEvents));

    // ---- HTTP API ----------------------------------------------------------------------------
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY });
    const api = new apigwv2.HttpApi(this, 'Api', {
      apiName: `opencx-creatio-sync-${tenant}`,
      description: `OpenCX ⇄ Creatio bridge for ${tenant}`,
      createDefaultStage: false,
    });
    new apigwv2.HttpStage(this, 'ApiStage', {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: config.api.rateLimit, burstLimit: config.api.burstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        // The route key, never the path: the path holds the webhook token.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    const route = (path: string, method: apigwv2.HttpMethod, fn: BridgeFunction, id: string) =>
      api.addRoutes({ path, methods: [method], integration: new HttpLambdaIntegration(id, fn.fn) });
    route('/opencx/webhook/{token}', apigwv2.HttpMethod.POST, opencxWebhook, 'OpenCxWebhookIntegration');
    route('/creatio/webhook/{token}', apigwv2.HttpMethod.POST, creatioWebhook, 'CreatioWebhookIntegration');
    route('/health', apigwv2.HttpMethod.GET, health, 'HealthIntegration');
    Validations.of(api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'The callers (OpenCX outbound webhooks, Creatio "Call web service") cannot send IAM, Cognito or JWT credentials; each webhook route authenticates a per-tenant secret token in the path in constant time (and an optional HMAC X-Signature) before anything is queued. /health is public by design and reveals only the version.',
    });

    // ---- Operations: dashboard and alarms for support staff ----------------------------------
    const monitoring = new Monitoring(this, 'Monitoring', {
      tenant,
      alarmEmail: config.alarms.email,
      oldestMessageAgeSeconds: config.alarms.oldestMessageAgeSeconds,
      queues: { opencxEvents, creatioEvents },
      consumers: { 'sync-to-creatio': syncToCreatio.fn, 'sync-to-opencx': syncToOpenCx.fn },
      webhooks: { 'opencx-webhook': opencxWebhook.fn, 'creatio-webhook': creatioWebhook.fn },
      api,
    });

    // ---- Outputs (read by the ops CLI) -------------------------------------------------------
    const outputs: Record<string, string> = {
      ApiUrl: api.apiEndpoint,
      OpenCxWebhookUrlTemplate: `${api.apiEndpoint}/opencx/webhook/<token from ${opencxWebhookToken.secretName}>`,
      CreatioWebhookUrlTemplate: `${api.apiEndpoint}/creatio/webhook/<token from ${creatioWebhookToken.secretName}>`,
      StateTableName: table.tableName,
      OpenCxEventsQueueUrl: opencxEvents.queue.queueUrl,
      OpenCxEventsDlqUrl: opencxEvents.dlq.queueUrl,
      CreatioEventsQueueUrl: creatioEvents.queue.queueUrl,
      CreatioEventsDlqUrl: creatioEvents.dlq.queueUrl,
      CreatioCredentialsSecretArn: creatioCredentials.secretArn,
      OpenCxApiKeySecretArn: opencxApiKey.secretArn,
      OpenCxWebhookTokenSecretArn: opencxWebhookToken.secretArn,
      CreatioWebhookTokenSecretArn: creatioWebhookToken.secretArn,
      SyncToCreatioFunctionName: syncToCreatio.fn.functionName,
      DashboardUrl: monitoring.dashboardUrl,
      AlarmTopicArn: monitoring.topic.topicArn,
    };
    for (const [key, value] of Object.entries(outputs)) new CfnOutput(this, key, { value });
  }
}
