import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RetryableError } from '../../functions/shared/errors';
import { errorFields } from '../../functions/shared/log';
import { DynamoDbStateStore } from '../../functions/shared/state/dynamodb-state-store';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/aws-servers';
import type { CreatioSandbox } from '../../local/creatio-sandbox';
import type { OpenCxSandbox } from '../../local/opencx-sandbox';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { repRepliesOnCase } from '../support/rep-reply';
import { waitFor } from '../support/wait';
import { dlqs, drained, figure, post } from './support';

/**
 * Logs scan (issue 7): a full local scenario at log level DEBUG — conversations on three channels
 * with e-mail addresses and phone numbers in the contact and in the text, handoffs while Creatio
 * briefly fails, refused webhooks, an agent reply from Creatio back to OpenCX, a resolution — with
 * everything written to stdout and stderr captured. No line may hold a secret, a token, an e-mail
 * address, a phone number (in any spelling) or message text, and every line must be a JSON log
 * line with the tenant.
 */

const SECRETS = {
  opencxWebhookToken: 'whk-opencx-9d8c7b6a5f4e3d2c1b0a',
  creatioWebhookToken: 'whk-creatio-0a1b2c3d4e5f6a7b8c9d',
  creatioClientSecret: 'cs-4f9a1e7b2c8d4e60a1b2c3d4',
  opencxApiKey: 'ocx_live_7c1d2e3f4a5b6c7d8e9f',
};
const EMAILS = ['dana.whitfield@example.org', 'dana.w.private@example.net', 'sam.okafor@example.com', 'jonas.b@example.de'];
/** Both customers' numbers, in the spellings people and systems use. */
const PHONES = [
  '+4915123456789',
  '+49 151 2345 6789',
  '015123456789',
  '0151 2345 6789',
  '151 2345',
  '15123456789',
  '+4917612345678',
  '+49 176 1234 5678',
  '017612345678',
  '176 1234',
  '17612345678',
];
const TEXTS = {
  danaFirst: 'Subject: Refund for order 48213\n\nI was charged twice. Call me on 0151 2345 6789 or write to dana.w.private@example.net.',
  danaAi: 'I can see two captures of the same amount on your card.',
  danaLater: 'My bank statement shows the duplicate charge clearly.',
  jonasFirst: 'Mein Paket ist beschädigt angekommen, bitte rufen Sie mich an: +49 176 1234 5678',
  jonasAi: 'Das tut uns leid, können Sie ein Foto schicken?',
  samFirst: 'Where can I download the invoice for my yearly subscription?',
  samAi: 'You find invoices under Settings, Billing, Documents.',
  agentReply: 'Hi Dana, the duplicate charge was refunded to your card ending 4417 today.',
};
const NAMES = ['Dana Whitfield', 'Jonas Becker', 'Sam Okafor'];
/** Too long for Contact.Email (250): Creatio refuses the contact and its error message quotes the address. */
const LONG_EMAIL = `overflow.customer.quoted@${['a'.repeat(60), 'b'.repeat(60), 'c'.repeat(60), 'd'.repeat(45), 'example'].join('.')}.org`;
const LONG_EMAIL_PIECE = 'overflow.customer.quoted';
/** Message text is looked for by a distinctive piece of each message. */
const TEXT_PIECES = Object.values(TEXTS).map((text) => text.replace(/^Subject: [^\n]*\n\n/, '').slice(0, 32));

let runtime: LocalRuntime;
let creatio: CreatioSandbox;
let opencx: OpenCxSandbox;
const captured: string[] = [];
/** What the DLQs hold at the end, with the reason attribute of each parked message. */
const parked: string[] = [];
const startedAt = Date.now();

type Write = typeof process.stdout.write;
const originals = { stdout: process.stdout.write, stderr: process.stderr.write };
const capture = (chunk: unknown): boolean => {
  captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
  return true;
};
const startCapture = () => {
  process.stdout.write = capture as Write;
  process.stderr.write = capture as Write;
};
const stopCapture = () => {
  process.stdout.write = originals.stdout;
  process.stderr.write = originals.stderr;
};

type Row = Record<string, unknown>;
const contactBy = (match: (row: Row) => boolean) => creatio.store.list('Contact').find(match);
const caseOf = (contact: Row | undefined) => (contact ? creatio.store.list('Case').find((row) => row.ContactId === contact.Id) : undefined);
const activityCount = (theCase: Row | undefined) => (theCase ? creatio.store.list('Activity').filter((row) => row.CaseId === theCase.Id).length : 0);

beforeAll(async () => {
  startCapture();
  try {
    runtime = await startLocalRuntime({
      port: 0,
      logLevel: 'DEBUG',
      opencxWebhookToken: SECRETS.opencxWebhookToken,
      creatioWebhookToken: SECRETS.creatioWebhookToken,
      creatioSandbox: { clientSecret: SECRETS.creatioClientSecret },
      opencxSandbox: { apiKey: SECRETS.opencxApiKey },
    });
    creatio = runtime.creatio!;
    opencx = runtime.opencx!;
    const at = (minute: number) => new Date(Date.UTC(2026, 10, 24, 9, minute, 0)).toISOString();

    // Three conversations; Creatio fails some requests while they are handed off.
    const dana = await opencx.createSession({ channel: 'email', contact: { name: NAMES[0], email: EMAILS[0], phone_number: '+49 151 2345 6789' }, created_at: at(0) });
    await opencx.addMessage(dana.session.id, { author: 'customer', text: TEXTS.danaFirst, created_at: at(0) });
    await opencx.addMessage(dana.session.id, { author: 'ai', text: TEXTS.danaAi, created_at: at(1) });
    const jonas = await opencx.createSession({ channel: 'whatsapp', contact: { name: NAMES[1], phone_number: '+49 176 1234 5678', email: EMAILS[3] }, created_at: at(2) });
    await opencx.addMessage(jonas.session.id, { author: 'customer', text: TEXTS.jonasFirst, created_at: at(2) });
    await opencx.addMessage(jonas.session.id, { author: 'ai', text: TEXTS.jonasAi, created_at: at(3) });
    const sam = await opencx.createSession({ channel: 'web', contact: { name: NAMES[2], email: EMAILS[2] }, created_at: at(4) });
    await opencx.addMessage(sam.session.id, { author: 'customer', text: TEXTS.samFirst, created_at: at(4) });
    await opencx.addMessage(sam.session.id, { author: 'ai', text: TEXTS.samAi, created_at: at(5) });
    creatio.setFaults({ rate: 0.5, kinds: ['500'], count: 3 });
    for (const { session } of [dana, jonas, sam]) await opencx.handOff(session.id, { summary: `The customer needs a human (${session.channel.type}).`, sentiment: 'neutral' });

    // Refused webhooks whose bodies hold an e-mail address and a phone number.
    await post(`${runtime.url}/opencx/webhook/not-the-token`, JSON.stringify({ event: 'conversation.started', data: { conversation_id: dana.session.id, email: EMAILS[0] } }));
    await post(runtime.opencxWebhookUrl, `{"event": "conversation.started", "data": {"phone": "${PHONES[0]}", `);
    await post(runtime.creatioWebhookUrl, JSON.stringify({ event_type: 'new_activity', caseId: EMAILS[1], activityId: PHONES[2] }));

    const danaContact = await waitFor(() => contactBy((row) => row.Email === EMAILS[0]), 'Dana in Creatio', 30_000);
    const danaCase = await waitFor(() => caseOf(danaContact), 'Dana’s case', 30_000);
    await waitFor(() => activityCount(danaCase) >= 2, 'Dana’s transcript', 30_000);
    await opencx.addMessage(dana.session.id, { author: 'customer', text: TEXTS.danaLater, created_at: at(6) });
    await waitFor(() => activityCount(danaCase) >= 3, 'the later message', 30_000);

    // An agent answers on the case in Creatio: the business process calls the bridge, which sends it to OpenCX.
    repRepliesOnCase(creatio, {
      caseId: danaCase.Id,
      title: 'RE: Refund for order 48213',
      html: `<p>${TEXTS.agentReply}</p><p>Sent to ${EMAILS[0]}</p>`,
      columns: { Sender: 'support@example.com', Recepient: EMAILS[0] },
    });
    await waitFor(() => opencx.sentMessages.some((m) => m.sessionId === dana.session.id && m.status === 200), 'the reply in OpenCX', 30_000);

    await opencx.close(sam.session.id, { outcome: 'resolved', closed_by: { type: 'human', id: 311, email: 'lee.agent@example.com' } });
    await waitFor(() => caseOf(contactBy((row) => row.Email === EMAILS[2]))?.StatusId === runtime.config.cases.resolvedStatusId, 'Sam’s case resolved', 30_000);
    await waitFor(() => caseOf(contactBy((row) => row.MobilePhone === '+4917612345678')), 'Jonas’ case', 30_000);

    // A failure path: Creatio refuses the contact of a customer whose address is too long for its
    // column, and its error quotes the address. The event is parked in the DLQ with the reason.
    const overflow = await opencx.createSession({ channel: 'email', contact: { name: 'Overflow Customer', email: LONG_EMAIL }, created_at: at(7) });
    await opencx.addMessage(overflow.session.id, { author: 'customer', text: 'Subject: Hello\n\nPlease help me.', created_at: at(7) });
    await opencx.handOff(overflow.session.id, { summary: 'Needs help.' });
    await drained(runtime);
    parked.push(...(await dlqs(runtime))['opencx-events-dlq']!);
  } finally {
    stopCapture();
  }
}, 90_000);

afterAll(async () => {
  await runtime?.stop();
  figure('logs-scan', `${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
});

const lines = () =>
  captured
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '');
const linesHolding = (needles: readonly string[]) => {
  const lower = needles.map((n) => n.toLowerCase());
  return lines().filter((line) => lower.some((needle) => line.toLowerCase().includes(needle)));
};
const parsed = () =>
  lines().map((line) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      return { unparsable: line };
    }
  });

describe('Logs scan: a DEBUG-level run through every function', () => {
  it('captured the log lines of all four functions', () => {
    const services = new Set(parsed().map((line) => line.service));
    const levels: Record<string, number> = {};
    for (const line of parsed()) levels[String(line.level)] = (levels[String(line.level)] ?? 0) + 1;
    figure('logs-scan', `${lines().length} lines captured, by level ${JSON.stringify(levels)}, services ${[...services].join(', ')}`);

    expect(lines().length).toBeGreaterThan(20);
    expect([...services]).toEqual(expect.arrayContaining(['opencx-webhook', 'creatio-webhook', 'sync-to-creatio', 'sync-to-opencx']));
  });

  it('writes only JSON lines that carry the tenant', () => {
    const bad = parsed().filter((line) => line.tenant !== runtime.config.tenant);

    expect(bad).toEqual([]);
  });

  it('never logs a webhook token, the Creatio client secret, the OpenCX API key or a bearer token', () => {
    expect(linesHolding([...Object.values(SECRETS), 'Bearer ', 'client_secret'])).toEqual([]);
  });

  it('never logs an e-mail address of the test data', () => {
    expect(linesHolding(EMAILS)).toEqual([]);
  });

  it('parks the event Creatio refused, with a reason that does not quote the customer’s address', () => {
    expect(parked).toEqual([expect.stringContaining('parked: ')]);
    expect(parked.join('\n')).not.toContain(LONG_EMAIL_PIECE);
  });

  it('logs Creatio’s refusal without the address its error message quoted', () => {
    const refusals = lines().filter((line) => line.includes('truncated'));

    expect(refusals.length).toBeGreaterThan(0);
    expect(linesHolding([LONG_EMAIL_PIECE])).toEqual([]);
  });

  it('never logs a phone number, in any spelling', () => {
    expect(linesHolding(PHONES)).toEqual([]);
  });

  it('never logs message text, summaries of the customer’s words or reply text', () => {
    expect(linesHolding(TEXT_PIECES)).toEqual([]);
  });

  it('never logs a customer’s name', () => {
    expect(linesHolding(NAMES)).toEqual([]);
  });

  it('logs no e-mail address or phone number when two syncs of the same customer conflict', async () => {
    // The consumer logs a conflict as "will retry message" with errorFields(error); the sync wraps a
    // ConcurrentUpdateError from the state store into a RetryableError with the same message.
    const store = new DynamoDbStateStore(new DynamoDBClient({ region: LOCAL_REGION, endpoint: runtime.aws.dynamoEndpoint, credentials: LOCAL_CREDENTIALS }), runtime.aws.tableName);
    const conflicts: Record<string, unknown>[] = [];
    for (const contactKey of [`email:${EMAILS[3]}`, 'phone:+4917612345678']) {
      await store.putContact({ contactKey, creatioContactId: randomUUID() }, 0).catch(() => undefined);
      const error = await store.putContact({ contactKey, creatioContactId: randomUUID() }, 0).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      conflicts.push(errorFields(new RetryableError(error instanceof Error ? error.message : String(error), { kind: 'conflict', cause: error })));
    }

    expect(conflicts.map((fields) => fields.errorKind)).toEqual(['conflict', 'conflict']);
    expect(conflicts.map((fields) => JSON.stringify(fields)).filter((text) => [EMAILS[3]!, ...PHONES].some((pii) => text.includes(pii)))).toEqual([]);
  });
});
