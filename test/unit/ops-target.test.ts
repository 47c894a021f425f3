/**
 * Where the CLI's commands point: a deployed stack's outputs (CloudFormation mocked at the SDK boundary)
 * or the local runtime.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import * as path from 'node:path';
import { loadTenantConfig } from '../../lib/tenant-config-loader';
import { STACK_OUTPUTS, TargetError, resolveTarget, targetFromOutputs } from '../../scripts/ops/target';

const ROOT = path.join(__dirname, '..', '..');
const config = loadTenantConfig(path.join(ROOT, 'tenants', 'example.json'));
const cloudformation = mockClient(CloudFormationClient);
const OUTPUTS = {
  [STACK_OUTPUTS.opencxQueue]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/OpenCxEvents.fifo',
  [STACK_OUTPUTS.opencxDlq]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/OpenCxEventsDlq.fifo',
  [STACK_OUTPUTS.creatioQueue]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/CreatioEvents.fifo',
  [STACK_OUTPUTS.creatioDlq]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/CreatioEventsDlq.fifo',
  [STACK_OUTPUTS.creatioSecret]: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:CreatioCredentials-abc',
  [STACK_OUTPUTS.opencxSecret]: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:OpenCxApiKey-def',
};

beforeEach(() => cloudformation.reset());

describe('ops target', () => {
  it("maps the stack outputs onto queues, secrets and the tenant file's endpoints", () => {
    const target = targetFromOutputs({
      tenant: 'example',
      config,
      outputs: OUTPUTS,
      region: 'eu-west-1',
      sqs: new SQSClient({ region: 'eu-west-1' }),
      secrets: new SecretsManagerClient({ region: 'eu-west-1' }),
    });

    expect(target.queues.opencx).toMatchObject({ name: 'opencx-events', url: OUTPUTS.OpenCxEventsQueueUrl, dlqUrl: OUTPUTS.OpenCxEventsDlqUrl });
    expect(target.queues.creatio).toMatchObject({ name: 'creatio-events', url: OUTPUTS.CreatioEventsQueueUrl, dlqUrl: OUTPUTS.CreatioEventsDlqUrl });
    expect(target.secrets.describe('creatio')).toContain(OUTPUTS.CreatioCredentialsSecretArn);
    expect(target.endpoints).toEqual({ creatioUrl: config.creatio.instanceUrl, opencxApiUrl: config.opencx.apiUrl });
    expect(target.description).toBe('stack OpenCxCreatioSync-example (eu-west-1)');
  });

  it('names the missing output and how to get it when the stack is older than the CLI', () => {
    const { [STACK_OUTPUTS.creatioDlq]: _dropped, ...outputs } = OUTPUTS;

    expect(() => targetFromOutputs({ tenant: 'example', config, outputs, region: undefined, sqs: new SQSClient({}), secrets: new SecretsManagerClient({}) })).toThrow(
      /no output CreatioEventsDlqUrl: deploy the current version \(npx cdk deploy -c tenant=example\)/,
    );
  });

  it("reads the outputs of OpenCxCreatioSync-<tenant> in the tenant file's region", async () => {
    cloudformation.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'OpenCxCreatioSync-example',
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: Object.entries(OUTPUTS).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
        },
      ],
    });

    const target = await resolveTarget({ tenant: 'example', region: 'eu-west-1', env: {}, root: ROOT });
    target.close();

    expect(cloudformation.commandCalls(DescribeStacksCommand)[0]!.args[0].input).toEqual({ StackName: 'OpenCxCreatioSync-example' });
    expect(target.queues.opencx.url).toBe(OUTPUTS.OpenCxEventsQueueUrl);
    // Commands the CLI prints (here: how to fill a secret) keep the flags the operator used.
    expect(target.secrets.fillHint).toBe('Fill it with `npm run ops -- secrets --tenant example --region eu-west-1`.');
  });

  it('says how to deploy when the stack does not exist', async () => {
    cloudformation.on(DescribeStacksCommand).rejects(new Error('Stack with id OpenCxCreatioSync-example does not exist'));

    const error = await resolveTarget({ tenant: 'example', region: 'eu-west-1', env: {}, root: ROOT }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TargetError);
    expect((error as Error).message).toMatch(/not found in eu-west-1\. Deploy it \(npx cdk deploy -c tenant=example\)/);
  });

  it('refuses a tenant file written for another tenant', async () => {
    await expect(resolveTarget({ tenant: 'acme', configPath: path.join(ROOT, 'tenants', 'example.json'), env: {}, root: ROOT })).rejects.toThrow(
      /is for tenant "example", not "acme"/,
    );
  });
});
