/**
 * `secrets`: values in, JSON out, nothing printed. Secrets Manager is mocked at the SDK boundary; piped
 * stdin is a real stream.
 */
import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { PassThrough } from 'node:stream';
import { processIo, scriptedIo } from '../../scripts/ops/io';
import { setSecrets } from '../../scripts/ops/secrets';
import { SecretProblem, environmentStore, memoryStore, readCreatioCredentials, readOpenCxApiKey, secretsManagerStore } from '../../scripts/ops/secret-store';

const CLIENT_ID = 'c7f1d0a2b9e84c55a3e1f2d4b6c8a0e9';
const CLIENT_SECRET = 'K9v$2mPq8zR!xT4wY7nB';
const API_KEY = 'ocx_live_5a9f2c7e1b3d4f6a8c0e';
const ARNS = {
  creatio: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:CreatioCredentials-abc',
  opencx: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:OpenCxApiKey-def',
};
const secretsMock = mockClient(SecretsManagerClient);

beforeEach(() => secretsMock.reset());

const everything = (lines: { out: string[]; err: string[]; questions: string[] }) => [...lines.out, ...lines.err, ...lines.questions].join('\n');

describe('ops secrets', () => {
  it('stores the Creatio credentials and the OpenCX key as the JSON the Lambdas read', async () => {
    const store = memoryStore();
    const { io } = scriptedIo([` ${CLIENT_ID} `, `${CLIENT_SECRET}\r`, API_KEY]);

    const code = await setSecrets({ store, io, tenant: 'acme' });

    expect(code).toBe(0);
    expect(JSON.parse(store.values.creatio!)).toEqual({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    expect(JSON.parse(store.values.opencx!)).toEqual({ apiKey: API_KEY });
  });

  it('never prints a value, not even in part', async () => {
    const { io, lines } = scriptedIo([CLIENT_ID, CLIENT_SECRET, API_KEY]);

    await setSecrets({ store: memoryStore(), io, tenant: 'acme' });

    const printed = everything(lines);
    for (const value of [CLIENT_ID, CLIENT_SECRET, API_KEY]) {
      expect(printed).not.toContain(value);
      expect(printed).not.toContain(value.slice(-4));
    }
    expect(printed).toContain('check --tenant acme');
  });

  it('keeps the stored value when the answers are empty', async () => {
    const store = memoryStore({ opencx: JSON.stringify({ apiKey: API_KEY }) });
    const { io, lines } = scriptedIo(['', '', '']);

    const code = await setSecrets({ store, io, tenant: 'acme' });

    expect(code).toBe(0);
    expect(store.values.creatio).toBeUndefined();
    expect(JSON.parse(store.values.opencx!)).toEqual({ apiKey: API_KEY });
    expect(lines.out.filter((line) => line.includes(': kept'))).toHaveLength(2);
  });

  it('stores nothing for Creatio when only one of id and secret is given', async () => {
    const store = memoryStore();
    const { io, lines } = scriptedIo([CLIENT_ID, '', API_KEY]);

    const code = await setSecrets({ store, io, tenant: 'acme' });

    expect(code).toBe(1);
    expect(store.values.creatio).toBeUndefined();
    expect(store.values.opencx).toBeDefined();
    expect(lines.err.join('\n')).toContain('needs both the client id and the client secret');
  });

  it('refuses a value with a space in it as a copy mistake', async () => {
    const store = memoryStore();
    const { io } = scriptedIo(['ocx live key']);

    const code = await setSecrets({ store, io, tenant: 'acme', kinds: ['opencx'] });

    expect(code).toBe(1);
    expect(store.values.opencx).toBeUndefined();
  });

  it('writes each value to its own Secrets Manager secret as JSON', async () => {
    secretsMock.on(PutSecretValueCommand).resolves({});
    const store = secretsManagerStore(new SecretsManagerClient({ region: 'eu-west-1' }), ARNS, 'acme');

    await setSecrets({ store, io: scriptedIo([CLIENT_ID, CLIENT_SECRET, API_KEY]).io, tenant: 'acme' });

    const puts = secretsMock.commandCalls(PutSecretValueCommand).map((call) => call.args[0].input);
    expect(puts).toEqual([
      { SecretId: ARNS.creatio, SecretString: JSON.stringify({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }) },
      { SecretId: ARNS.opencx, SecretString: JSON.stringify({ apiKey: API_KEY }) },
    ]);
  });

  it('reads the values from piped stdin, one per line', async () => {
    const stdin = new PassThrough();
    const sink = new PassThrough();
    stdin.end(`${CLIENT_ID}\n${CLIENT_SECRET}\n${API_KEY}\n`);
    const store = memoryStore();

    const code = await setSecrets({ store, io: processIo(stdin as unknown as NodeJS.ReadStream, sink, sink), tenant: 'acme' });

    expect(code).toBe(0);
    expect(JSON.parse(store.values.creatio!)).toEqual({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    expect(JSON.parse(store.values.opencx!)).toEqual({ apiKey: API_KEY });
  });
});

describe('reading stored secrets', () => {
  it('explains a secret that still holds the deploy-time placeholder without showing it', async () => {
    const placeholder = 'Zq8#random-generated-placeholder';
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: placeholder });
    const store = secretsManagerStore(new SecretsManagerClient({ region: 'eu-west-1' }), ARNS, 'acme');

    const error = await readCreatioCredentials(store).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SecretProblem);
    expect((error as Error).message).toContain('does not hold JSON yet');
    expect((error as Error).message).toContain('npm run ops -- secrets --tenant acme');
    expect((error as Error).message).not.toContain(placeholder);
  });

  it('names the missing field of an incomplete secret', async () => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ clientId: CLIENT_ID }) });
    const store = secretsManagerStore(new SecretsManagerClient({ region: 'eu-west-1' }), ARNS, 'acme');

    await expect(readCreatioCredentials(store)).rejects.toThrow(/fields \(clientSecret\)/);
  });

  it("takes the local runtime's credentials from its environment variables and refuses to write them", async () => {
    const store = environmentStore({ CREATIO_CLIENT_ID: CLIENT_ID, CREATIO_CLIENT_SECRET: CLIENT_SECRET, OPENCX_API_KEY: API_KEY });

    await expect(readCreatioCredentials(store)).resolves.toEqual({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    await expect(readOpenCxApiKey(store)).resolves.toEqual({ apiKey: API_KEY });
    await expect(store.write('opencx', { apiKey: API_KEY })).rejects.toThrow(/environment of `npm start`/);
  });
});
