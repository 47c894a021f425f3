import { integrationClients } from '../../functions/shared/aws/integration-clients';
import { parseTenantConfig } from '../../functions/shared/schemas/tenant-config';
import { fakeAwsJson } from '../support/fake-aws-json';

const aws = fakeAwsJson({
  GetSecretValue: { SecretString: JSON.stringify({ clientId: 'creatio-client', clientSecret: 'creatio-secret', apiKey: 'opencx-key-1' }) },
});
afterAll(() => aws.restore());

const config = parseTenantConfig({ tenant: 'unit', creatio: { instanceUrl: 'https://unit.creatio.com' } });
const deployedEnv = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  CREATIO_CREDENTIALS_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:creatio',
  OPENCX_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:opencx',
  STATE_TABLE_NAME: 'state',
};

describe('consumer clients as deployed', () => {
  it('read both secrets once through signed GetSecretValue calls and keep the clients across invocations', async () => {
    const clients = integrationClients(config, { env: deployedEnv, opencxBudget: null });

    const first = await clients();
    const second = await clients();

    expect(second).toBe(first);
    expect(
      aws
        .calls('GetSecretValue')
        .map((input) => input.SecretId)
        .sort(),
    ).toEqual([deployedEnv.CREATIO_CREDENTIALS_SECRET_ARN, deployedEnv.OPENCX_API_KEY_SECRET_ARN]);
    expect(aws.allSigned()).toBe(true);
  });

  it('put every OpenCX request of the key through its shared budget', async () => {
    const budgetsFor: string[] = [];
    const clients = integrationClients(config, {
      env: deployedEnv,
      opencxBudget: (apiKey) => {
        budgetsFor.push(apiKey);
        return { acquire: async () => undefined };
      },
    });

    await clients();

    expect(budgetsFor).toEqual(['opencx-key-1']);
  });
});
