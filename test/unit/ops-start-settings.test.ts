/**
 * `npm start` refuses variable combinations that cannot work with a sentence naming the variables, and
 * names the part and the variable when a port is taken.
 */
import * as path from 'node:path';
import { portInUseMessage, startOptions, startProblems } from '../../local/start-settings';

const ROOT = path.join(__dirname, '..', '..');

describe('npm start settings', () => {
  it('starts on the bundled sandboxes with fixed ports and the example sessions when nothing is set', () => {
    const options = startOptions({}, ROOT);

    expect(options.ports).toEqual({ PORT: 3000, OPENCX_SANDBOX_PORT: 4010, CREATIO_SANDBOX_PORT: 4020 });
    expect(options.opencxSandbox).toEqual({ port: 4010, seedExamples: true });
    expect(options.creatioSandbox).toMatchObject({ port: 4020 });
  });

  it('refuses CREATIO_URL without the client credentials, naming the variables the user sets', () => {
    const [problem, ...others] = startProblems({ CREATIO_URL: 'https://acme.creatio.com' });

    expect(others).toEqual([]);
    expect(problem).toMatch(/^CREATIO_URL is set, .* but CREATIO_CLIENT_ID and CREATIO_CLIENT_SECRET are not set: set both .*, or unset CREATIO_URL/);
    expect(problem).not.toMatch(/SECRET_ARN/);
    expect(() => startOptions({ CREATIO_URL: 'https://acme.creatio.com', CREATIO_CLIENT_ID: 'id' }, ROOT)).toThrow(/CREATIO_CLIENT_SECRET is not set/);
  });

  it.each([
    [{ CREATIO_CLIENT_ID: 'id', CREATIO_CLIENT_SECRET: 's' }, /CREATIO_CLIENT_ID, CREATIO_CLIENT_SECRET are set but CREATIO_URL is not/],
    [{ OPENCX_API_URL: 'https://api.open.cx' }, /OPENCX_API_URL is set, .* but OPENCX_API_KEY is not set/],
    [{ OPENCX_API_KEY: 'k' }, /OPENCX_API_KEY is set but OPENCX_API_URL is not/],
    [{ PORT: 'eighty' }, /^PORT=eighty is not a port number/],
    [{ PORT: '4010' }, /^PORT and OPENCX_SANDBOX_PORT are both 4010/],
    [{ CREATIO_URL: 'https://acme.creatio.com/', CREATIO_CLIENT_ID: 'id', CREATIO_CLIENT_SECRET: 's' }, /^CREATIO_URL ends with a slash/],
    [{ CREATIO_SANDBOX_FAULT_RATE: '2' }, /CREATIO_SANDBOX_FAULT_RATE/],
  ])('refuses %j with a sentence naming the variable', (env, message) => {
    expect(startProblems(env)).toEqual([expect.stringMatching(message)]);
  });

  it('accepts a real Creatio and OpenCX with their credentials', () => {
    expect(
      startProblems({ CREATIO_URL: 'https://acme.creatio.com', CREATIO_CLIENT_ID: 'id', CREATIO_CLIENT_SECRET: 's', OPENCX_API_URL: 'https://api.open.cx', OPENCX_API_KEY: 'k' }),
    ).toEqual([]);
  });

  it('names the part and the variable that moves it when a port is taken', () => {
    const taken = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:4020'), { code: 'EADDRINUSE', port: 4020 });

    expect(portInUseMessage(taken, { PORT: 3000, OPENCX_SANDBOX_PORT: 4010, CREATIO_SANDBOX_PORT: 4020 })).toBe(
      'Port 4020 is already in use, so the bundled Creatio sandbox cannot start: is another npm start running? Stop it, or move this one with CREATIO_SANDBOX_PORT=<free port> npm start.',
    );
    expect(portInUseMessage(new Error('other'), { PORT: 3000, OPENCX_SANDBOX_PORT: 4010, CREATIO_SANDBOX_PORT: 4020 })).toBeUndefined();
  });
});
