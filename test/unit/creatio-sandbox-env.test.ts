import { sandboxOptionsFromEnv } from '../../local/creatio-sandbox';

describe('Creatio sandbox options from the environment', () => {
  it('reads port, credentials, latency and faults from CREATIO_SANDBOX_* variables', () => {
    const options = sandboxOptionsFromEnv({
      CREATIO_SANDBOX_PORT: '4510',
      CREATIO_SANDBOX_CLIENT_ID: 'id',
      CREATIO_SANDBOX_CLIENT_SECRET: 'secret',
      CREATIO_SANDBOX_LATENCY_MS: '25',
      CREATIO_SANDBOX_FAULT_RATE: '0.1',
      CREATIO_SANDBOX_FAULT_KINDS: '500, 429,reset',
      CREATIO_SANDBOX_RETRY_AFTER_SECONDS: '2',
      UNRELATED: 'x',
    });

    expect(options).toEqual({
      port: 4510,
      clientId: 'id',
      clientSecret: 'secret',
      latencyMs: 25,
      faults: { rate: 0.1, kinds: ['500', '429', 'reset'], retryAfterSeconds: 2 },
    });
  });

  it('injects no faults when no rate is set', () => {
    expect(sandboxOptionsFromEnv({})).toEqual({});
  });

  it('names the variable that is wrong', () => {
    expect(() => sandboxOptionsFromEnv({ CREATIO_SANDBOX_FAULT_KINDS: 'boom' })).toThrow(/CREATIO_SANDBOX_FAULT_KINDS/);
    expect(() => sandboxOptionsFromEnv({ CREATIO_SANDBOX_FAULT_RATE: '2' })).toThrow(/CREATIO_SANDBOX_FAULT_RATE/);
  });
});
