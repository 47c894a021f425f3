import { AwsJsonError, createAwsJsonApi, endpointOf } from '../../functions/shared/aws/aws-json-api';
import { readJsonSecret } from '../../functions/shared/aws/secrets';
import * as z from 'zod/mini';
import { fakeAwsJson } from '../support/fake-aws-json';

const aws = fakeAwsJson({ SendMessage: { MessageId: 'm-1' }, GetSecretValue: { SecretString: '{"token":"0123456789abcdef0123"}' } });
afterEach(() => aws.reset());
afterAll(() => aws.restore());

const env = { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'session' };

describe('webhook Lambda calls to SQS and Secrets Manager without the AWS SDK', () => {
  it('sends SendMessage as a SigV4-signed AWS JSON request to the regional endpoint', async () => {
    const fetchSpy = jest.mocked(globalThis.fetch);
    const call = createAwsJsonApi({ env });

    await call('sqs', 'SendMessage', { QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/q.fifo', MessageBody: '{}', MessageGroupId: 'g', MessageDeduplicationId: 'd' });

    expect(aws.calls('SendMessage')).toEqual([{ QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/q.fifo', MessageBody: '{}', MessageGroupId: 'g', MessageDeduplicationId: 'd' }]);
    expect(aws.allSigned()).toBe(true);
    const request = fetchSpy.mock.calls.at(-1)?.[0] as Request;
    expect(request.url).toBe('https://sqs.eu-west-1.amazonaws.com/');
    expect(request.headers.get('authorization')).toMatch(/Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/sqs\/aws4_request/);
    expect(request.headers.get('x-amz-security-token')).toBe('session');
  });

  it('honours AWS_ENDPOINT_URL_SQS and AWS_ENDPOINT_URL like the SDK (the local runtime uses them)', () => {
    expect(endpointOf('sqs', { ...env, AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4566/' })).toBe('http://127.0.0.1:4566');
    expect(endpointOf('secretsmanager', { ...env, AWS_ENDPOINT_URL: 'http://localhost:9000' })).toBe('http://localhost:9000');
    expect(endpointOf('secretsmanager', env)).toBe('https://secretsmanager.eu-west-1.amazonaws.com');
  });

  it('reads and validates a JSON secret through GetSecretValue', async () => {
    const call = createAwsJsonApi({ env });
    const secret = await readJsonSecret(
      async () => (await call<{ SecretString?: string }>('secretsmanager', 'GetSecretValue', { SecretId: 'arn:aws:secretsmanager:eu-west-1:1:secret:t' })).SecretString,
      z.object({ token: z.string().check(z.minLength(16)) }),
      'webhook token',
    );

    expect(secret).toEqual({ token: '0123456789abcdef0123' });
    expect(aws.calls('GetSecretValue')).toEqual([{ SecretId: 'arn:aws:secretsmanager:eu-west-1:1:secret:t' }]);
  });

  it('turns an AWS error answer into an error naming the operation and error type', async () => {
    aws.answerError('SendMessage', 400, 'com.amazonaws.sqs#QueueDoesNotExist', 'The specified queue does not exist.');
    const call = createAwsJsonApi({ env });

    const failure = call('sqs', 'SendMessage', { QueueUrl: 'x' });

    await expect(failure).rejects.toBeInstanceOf(AwsJsonError);
    await expect(call('sqs', 'SendMessage', { QueueUrl: 'x' })).rejects.toMatchObject({ status: 400, type: 'QueueDoesNotExist', operation: 'SendMessage' });
  });

  it('refuses to send unsigned when the environment holds no credentials', async () => {
    const call = createAwsJsonApi({ env: { AWS_REGION: 'eu-west-1' } });

    await expect(call('sqs', 'SendMessage', {})).rejects.toThrow(/Missing AWS credentials/);
    expect(aws.calls('SendMessage')).toHaveLength(0);
  });
});
