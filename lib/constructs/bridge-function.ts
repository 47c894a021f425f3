import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import * as path from 'node:path';

export interface BridgeFunctionProps {
  /** Folder under functions/ holding handler.ts. */
  readonly name: string;
  readonly description: string;
  readonly tenant: string;
  readonly timeout?: Duration;
  readonly memorySize?: number;
  readonly logRetention: logs.RetentionDays;
  readonly environment?: Record<string, string>;
  /**
   * Load the source map at run time (`NODE_OPTIONS=--enable-source-maps`): readable stack traces,
   * for about 20 ms more module init in a consumer (npm run bench prints both). Off by default: the
   * bridge logs error names, kinds and messages, never stacks, and the external `.map` ships in the
   * asset for symbolicating a stack offline.
   */
  readonly runtimeSourceMaps?: boolean;
}

const ROOT = path.join(__dirname, '..', '..');

/** SDK credential providers (and the SSO/STS clients behind them) that never run inside Lambda. */
export const UNUSED_CREDENTIAL_PROVIDERS = [
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/nested-clients',
  '@aws-sdk/token-providers',
];

/**
 * The one place that fixes Lambda defaults: Node.js 24 on arm64, esbuild bundle (minified, source maps),
 * its own log group with retention, and a role that may write only to that log group. The `bind*`
 * helpers set the environment variable and grant the least privilege in one call.
 */
export class BridgeFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: BridgeFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.name} (${props.tenant}): logs to its own log group only`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn, `${this.logGroup.logGroupArn}:*`],
      }),
    );
    this.fn = new NodejsFunction(this, 'Function', {
      entry: path.join(ROOT, 'functions', props.name, 'handler.ts'),
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      depsLockFilePath: path.join(ROOT, 'package-lock.json'),
      projectRoot: ROOT,
      environment: {
        ...(props.runtimeSourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
        TENANT: props.tenant,
        POWERTOOLS_SERVICE_NAME: props.name,
        POWERTOOLS_METRICS_NAMESPACE: 'OpenCxCreatioSync',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
      },
      bundling: {
        minify: true,
        // `cdk synth -c bundleMetafile=true` (npm run bench) writes esbuild's metafile next to each bundle.
        metafile: this.node.tryGetContext('bundleMetafile') === 'true' || this.node.tryGetContext('bundleMetafile') === true,
        sourceMap: true,
        sourcesContent: false,
        // The Lambda runtime above (Node 24); package.json engines (>=20) is for the tooling only.
        target: 'node24',
        // ESM: some dependencies (email-reply-parser) use import.meta.url; the banner gives bundled
        // CommonJS code the `require` it expects.
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        banner: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
        // The AWS SDK is bundled: measured (npm run bench), the minified bundle starts far faster than the
        // runtime's own copy, and our pinned clients behave exactly as in the tests. Left out are only the
        // credential providers a Lambda never reaches: the runtime puts the role's credentials in the
        // environment, which the SDK's default chain reads first (fromEnv); the others are loaded by
        // dynamic import() only when every earlier provider failed.
        externalModules: UNUSED_CREDENTIAL_PROVIDERS,
      },
    });
    // The role is ours and holds only inline statements scoped to named resources; the CloudWatch
    // Logs ARN needs `:*` to cover the function's log streams.
    const logGroupLogicalId = Stack.of(this).getLogicalId(this.logGroup.node.defaultChild as logs.CfnLogGroup);
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logGroupLogicalId}.Arn>:*]`,
      reason: "Log streams are created at run time inside this function's own log group; `<log group ARN>:*` is the narrowest ARN that covers them.",
    });
  }

  /** Sets `envName` to the table name and grants exactly the given actions (e.g. `dynamodb:GetItem`) on that table only. */
  bindTable(table: ITable, envName: string, actions: readonly `dynamodb:${string}`[]): this {
    if (!actions.length) throw new Error(`bindTable(${envName}): name the DynamoDB actions the function calls`);
    this.fn.addEnvironment(envName, table.tableName);
    table.grant(this.role, ...actions);
    return this;
  }

  /** Sets `envName` to the queue URL and grants SendMessage on that queue only. */
  bindQueueSend(queue: IQueue, envName: string): this {
    this.fn.addEnvironment(envName, queue.queueUrl);
    queue.grantSendMessages(this.role);
    return this;
  }

  /** Sets `envName` to the secret ARN and grants GetSecretValue on that secret only. */
  bindSecretRead(secret: ISecret, envName: string): this {
    this.fn.addEnvironment(envName, secret.secretArn);
    secret.grantRead(this.role);
    return this;
  }

  /** A plain, non-secret value. */
  setEnv(envName: string, value: string): this {
    this.fn.addEnvironment(envName, value);
    return this;
  }

  get region(): string {
    return Stack.of(this).region;
  }
}
