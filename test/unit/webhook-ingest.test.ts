import { ingestWebhook, jsonDepthExceeds, MAX_JSON_DEPTH, type OutgoingMessage } from '../../functions/shared/ingest/webhook-ingest';
import { interpretCreatioWebhook } from '../../functions/shared/ingest/creatio-events';
import { signBody, signatureMatches, tokensMatch } from '../../functions/shared/ingest/webhook-auth';

const TOKEN = 'tenant-token-0123456789abcdef';
const SIGNING_KEY = 'tenant-signing-key-0123456789';
const body = Buffer.from(JSON.stringify({ event_type: 'case_updated', caseId: '3d2b9e10-8c4f-4a7b-9e21-5f6a7b8c9d01' }));

const run = async (request: { token?: string; body?: Buffer; signature?: string }, signingKey?: string) => {
  const queued: OutgoingMessage[] = [];
  const outcome = await ingestWebhook(
    { pathToken: request.token ?? TOKEN, rawBody: request.body ?? body, headers: request.signature ? { 'x-signature': request.signature } : {} },
    { secrets: async () => ({ token: TOKEN, signingKey }), enqueue: async (m) => void queued.push(m), now: () => new Date('2026-11-21T10:00:00Z') },
    interpretCreatioWebhook(),
  );
  return { outcome, queued };
};

describe('webhook authentication', () => {
  it('accepts only the exact token', () => {
    expect(tokensMatch(TOKEN, TOKEN)).toBe(true);
    expect(tokensMatch(TOKEN, `${TOKEN}x`)).toBe(false);
    expect(tokensMatch(TOKEN, TOKEN.slice(0, -1))).toBe(false);
    expect(tokensMatch(TOKEN, undefined)).toBe(false);
    expect(tokensMatch('', '')).toBe(false);
  });

  it('verifies an X-Signature with or without the sha256= prefix', () => {
    const signature = signBody(SIGNING_KEY, body);

    expect(signatureMatches(SIGNING_KEY, body, signature)).toBe(true);
    expect(signatureMatches(SIGNING_KEY, body, signature.replace('sha256=', ''))).toBe(true);
    expect(signatureMatches(SIGNING_KEY, Buffer.from(`${body.toString()} `), signature)).toBe(false);
    expect(signatureMatches(SIGNING_KEY, body, undefined)).toBe(false);
  });

  it('queues a correctly signed body when the tenant has a signing key', async () => {
    const { outcome, queued } = await run({ signature: signBody(SIGNING_KEY, body) }, SIGNING_KEY);

    expect(outcome.result.statusCode).toBe(202);
    expect(queued).toHaveLength(1);
  });

  it('refuses a missing or wrong signature with 401 when the tenant has a signing key', async () => {
    const missing = await run({}, SIGNING_KEY);
    const wrong = await run({ signature: signBody('another-key-0123456789', body) }, SIGNING_KEY);

    expect(missing.outcome.result).toMatchObject({ statusCode: 401, body: { error: 'bad_signature' } });
    expect(wrong.outcome.result.statusCode).toBe(401);
    expect([...missing.queued, ...wrong.queued]).toHaveLength(0);
  });

  it('checks the token before anything else, so an unauthenticated oversized body is a 401', async () => {
    const { outcome } = await run({ token: 'wrong', body: Buffer.alloc(400 * 1024, 0x20) });

    expect(outcome.result.statusCode).toBe(401);
  });
});

describe('webhook body guards', () => {
  it('refuses JSON nested deeper than the limit before parsing it', async () => {
    const deep = Buffer.from(`${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`);

    const { outcome, queued } = await run({ body: deep });

    expect(outcome.result).toMatchObject({ statusCode: 400, body: { error: 'too_deep' } });
    expect(queued).toHaveLength(0);
  });

  it('does not count brackets inside strings as nesting', () => {
    expect(jsonDepthExceeds(JSON.stringify({ text: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[' }), 4)).toBe(false);
  });

  it('refuses an empty body with a message saying so', async () => {
    const { outcome } = await run({ body: Buffer.alloc(0) });

    expect(outcome.result).toMatchObject({ statusCode: 400, body: { error: 'empty_body' } });
  });
});
