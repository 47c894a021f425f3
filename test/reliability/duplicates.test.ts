import type { WebhookEnvelope } from '../../local/opencx-sandbox';
import { waitFor } from '../support/wait';
import { drained, figure, inPool, leftInQueues, post, runSeed, seededRandom, shuffled } from './support';
import { useLocalRuntime } from '../support/local-runtime';

/**
 * Duplicates and concurrency (issue 7): 50 conversations × 10 messages over email, WhatsApp and web
 * chat, every webhook delivered three times, in random order across (and within) conversations, many
 * POSTs in flight at once; then two more messages per conversation after the handoff.
 *
 * What this exercises: local-aws-sqs forgets a deduplication id as soon as the message is deleted
 * (real SQS keeps it for five minutes), so most copies that arrive after the first one was consumed
 * become new queue messages. The "exactly once" seen here is therefore the consumer's own
 * idempotency (deterministic Creatio ids, the DynamoDB cursor and versioned state), not SQS's.
 * local-aws-sqs also hands out messages of one FIFO group while another of the group is in flight
 * (real SQS holds the group back), so events of one conversation can be handled concurrently here.
 */

const CONVERSATIONS = 50;
const MESSAGES = 10;
const LATE_MESSAGES = 2;
const COPIES = 3;
const IN_FLIGHT = 24;
const CHANNELS = ['email', 'whatsapp', 'web'] as const;
type Channel = (typeof CHANNELS)[number];

const seed = runSeed();
const random = seededRandom(seed);

const local = useLocalRuntime({ visibilityTimeoutSeconds: 2 });
const startedAt = Date.now();

afterAll(async () => {
  figure('duplicates', `seed ${seed}, ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
});

type Row = Record<string, unknown>;

interface Conversation {
  readonly index: number;
  readonly channel: Channel;
  readonly sessionId: string;
  readonly email?: string;
  readonly phone?: string;
}

/** A marker in every message text, to find the message's activity and check the order. */
const marker = (conversation: number, message: number) => `ref C${String(conversation).padStart(2, '0')}M${String(message).padStart(2, '0')}`;
const at = (conversation: number, message: number) => new Date(Date.UTC(2026, 10, 20, 9, 0, 0) + message * 60_000 + conversation * 1_000).toISOString();

const textOf = (c: Conversation, m: number): string => {
  const ref = marker(c.index, m);
  if (m % 2 === 1) return `Thanks for the details (${ref}). Let me check that for you.`;
  if (c.channel === 'email' && m === 0) return `Subject: Order ${1000 + c.index} arrived damaged\n\nHello,\n\nthe box was crushed (${ref}).\n\nRegards`;
  return `Customer message ${ref}: still waiting for an answer.`;
};

const addMessage = (c: Conversation, m: number) =>
  local.opencx.addMessage(c.sessionId, { author: m % 2 === 0 ? 'customer' : 'ai', text: textOf(c, m), created_at: at(c.index, m) });

const contactOf = (c: Conversation): Row | undefined => local.creatio.store.list('Contact').find((row) => (c.email ? row.Email === c.email : row.MobilePhone === c.phone));
const casesOf = (c: Conversation): Row[] => {
  const contact = contactOf(c);
  return contact ? local.creatio.store.list('Case').filter((row) => row.ContactId === contact.Id) : [];
};
const activitiesOfCase = (caseId: unknown): Row[] => local.creatio.store.list('Activity').filter((row) => row.CaseId === caseId);
/** Message numbers of the case's activities, in StartDate order (as the case's message history sorts them). */
const transcriptOf = (c: Conversation): number[] => {
  const theCase = casesOf(c)[0];
  if (!theCase) return [];
  return activitiesOfCase(theCase.Id)
    .slice()
    .sort((a, b) => String(a.StartDate).localeCompare(String(b.StartDate)))
    .map((row) => {
      const found = /ref C(\d\d)M(\d\d)/.exec(String(row.Body));
      return found && Number(found[1]) === c.index ? Number(found[2]) : -1;
    });
};
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Every envelope OpenCX produced for these conversations since `from`, `COPIES` times, shuffled. */
const deliveriesSince = (from: number): WebhookEnvelope[] => local.opencx.webhookDeliveries.slice(from).map((d) => d.envelope);
const postAll = async (envelopes: readonly WebhookEnvelope[]): Promise<number[]> => {
  const copies = shuffled(
    envelopes.flatMap((envelope) => Array.from({ length: COPIES }, () => JSON.stringify(envelope))),
    random,
  );
  return inPool(copies, IN_FLIGHT, async (body) => (await post(local.runtime.opencxWebhookUrl, body)).status);
};

const conversations: Conversation[] = [];

describe('Duplicates and concurrency: 50 conversations, every webhook three times', () => {
  beforeAll(async () => {
    // OpenCX records its webhooks without sending them; the test sends every one three times itself.
    local.opencx.setWebhookUrl(undefined);
    const from = local.opencx.webhookDeliveries.length;
    for (const index of range(CONVERSATIONS)) {
      const channel = CHANNELS[index % CHANNELS.length]!;
      const n = String(index).padStart(2, '0');
      const email = channel === 'whatsapp' ? undefined : `dup.customer.${n}@example.org`;
      const phone = channel === 'whatsapp' ? `+49151200000${n}` : undefined;
      const { session } = await local.opencx.createSession({
        channel,
        contact: { name: `Customer ${n}`, ...(email ? { email } : {}), ...(phone ? { phone_number: `+49 151 2000 00${n}` } : {}) },
        created_at: at(index, 0),
      });
      conversations.push({ index, channel, sessionId: session.id, ...(email ? { email } : {}), ...(phone ? { phone } : {}) });
    }
    for (const m of range(MESSAGES)) {
      for (const c of conversations) {
        await addMessage(c, m);
        // An internal agent comment in the middle: in the history, never customer-visible.
        if (m === 4) await local.opencx.addMessage(c.sessionId, { author: 'agent', internal: true, text: `Internal note ${marker(c.index, 99)}`, created_at: at(c.index, 4) });
      }
    }
    for (const c of conversations) await local.opencx.handOff(c.sessionId, { summary: `Conversation ${c.index} needs a human.` });
    const envelopes = deliveriesSince(from);
    expect(envelopes).toHaveLength(CONVERSATIONS * (1 + MESSAGES + 1));

    const postingFrom = Date.now();
    const statuses = await postAll(envelopes);
    const posted = Date.now();
    expect(statuses.filter((s) => s !== 202)).toEqual([]);

    await waitFor(() => conversations.every((c) => transcriptOf(c).length >= MESSAGES), 'every transcript in Creatio', 50_000);
    figure(
      'duplicates',
      `set-up ${((postingFrom - startedAt) / 1000).toFixed(1)} s; ${statuses.length} POSTs in ${((posted - postingFrom) / 1000).toFixed(1)} s; ` +
        `all ${CONVERSATIONS * MESSAGES} activities in Creatio ${((Date.now() - postingFrom) / 1000).toFixed(1)} s after the first POST`,
    );
    await drained(local.runtime);
  }, 110_000);

  it('creates exactly one contact and one case per conversation', () => {
    const contacts = conversations.map((c) => local.creatio.store.list('Contact').filter((row) => (c.email ? row.Email === c.email : row.MobilePhone === c.phone)).length);
    const cases = conversations.map((c) => casesOf(c).length);

    expect(contacts).toEqual(conversations.map(() => 1));
    expect(cases).toEqual(conversations.map(() => 1));
  });

  it('writes one activity per customer-visible message, in message order, and never the internal comment', () => {
    const transcripts = conversations.map(transcriptOf);

    expect(transcripts).toEqual(conversations.map(() => range(MESSAGES)));
    expect(local.creatio.store.list('Activity').filter((row) => String(row.Body).includes('Internal note'))).toEqual([]);
  });

  it('appends messages written after the handoff once each, also when they and the handoff arrive three times again', async () => {
    const from = local.opencx.webhookDeliveries.length;
    for (const m of range(LATE_MESSAGES).map((i) => MESSAGES + i)) for (const c of conversations) await addMessage(c, m);
    const envelopes = deliveriesSince(from);
    local.opencx.setWebhookUrl(local.runtime.opencxWebhookUrl);

    // The new message webhooks three times each, and the old handoff three times at once per conversation.
    const [statuses, handoffs] = await Promise.all([
      postAll(envelopes),
      inPool(conversations, 8, (c) => local.opencx.redeliver(c.sessionId, 'conversation.handoff_to_human', { times: COPIES, concurrent: true })),
    ]);
    await waitFor(() => conversations.every((c) => transcriptOf(c).length >= MESSAGES + LATE_MESSAGES), 'the late messages in Creatio', 40_000);
    await drained(local.runtime);

    expect(statuses.filter((s) => s !== 202)).toEqual([]);
    expect(handoffs.flat().filter((d) => d.status !== 202)).toEqual([]);
    expect(conversations.map(transcriptOf)).toEqual(conversations.map(() => range(MESSAGES + LATE_MESSAGES)));
    expect(conversations.map((c) => casesOf(c).length)).toEqual(conversations.map(() => 1));
  }, 90_000);

  it('leaves nothing in either queue or DLQ and sends nothing back to OpenCX', async () => {
    await drained(local.runtime);
    const left = await leftInQueues(local.runtime);
    const stats = local.runtime.pollers.map((p) => ({ ...p.stats }));
    figure(
      'duplicates',
      `${CONVERSATIONS} conversations, ${CONVERSATIONS * (MESSAGES + 2 + LATE_MESSAGES) * COPIES + CONVERSATIONS * COPIES} webhook POSTs; ` +
        `sync-to-creatio ${JSON.stringify(stats[0])}; sync-to-opencx ${JSON.stringify(stats[1])}; Creatio requests ${local.creatio.requestLog.length}`,
    );

    expect(left).toEqual({ 'opencx-events': [], 'opencx-events-dlq': [], 'creatio-events': [], 'creatio-events-dlq': [] });
    expect(stats.map((s) => s.handlerCrashes)).toEqual([0, 0]);
    expect(local.opencx.sentMessages).toEqual([]);
  });
});

describe('Order: events of one conversation arriving out of order', () => {
  it('adds no "handed off again" note when the close of a conversation is synced before its first handoff', async () => {
    local.opencx.setWebhookUrl(undefined);
    const email = 'order.customer@example.org';
    const { session } = await local.opencx.createSession({ channel: 'web', contact: { name: 'Order Customer', email } });
    await local.opencx.addMessage(session.id, { author: 'customer', text: 'Is my order on its way?', created_at: at(90, 0) });
    await local.opencx.handOff(session.id, { summary: 'Asks about the delivery.' });
    await local.opencx.close(session.id, { outcome: 'resolved' });
    const envelope = (event: string) => local.opencx.webhookDeliveries.find((d) => d.conversationId === session.id && d.event === event)!.envelope;
    const theCase = () => {
      const contact = local.creatio.store.list('Contact').find((row) => row.Email === email);
      return contact ? local.creatio.store.list('Case').find((row) => row.ContactId === contact.Id) : undefined;
    };

    // OpenCX retried the handoff webhook later (its first delivery failed): the close arrives first.
    expect((await post(local.runtime.opencxWebhookUrl, JSON.stringify(envelope('conversation.closed')))).status).toBe(202);
    const created = await waitFor(theCase, 'the case, from the close');
    await drained(local.runtime);
    expect((await post(local.runtime.opencxWebhookUrl, JSON.stringify(envelope('conversation.handoff_to_human')))).status).toBe(202);
    await drained(local.runtime);

    expect(activitiesOfCase(created.Id).map((row) => row.Title)).toEqual([expect.stringMatching(/from customer/)]);
  });
});
