import { CreatioClient } from '../../functions/shared/creatio';
import { PermanentError } from '../../functions/shared/errors';
import type { FaultKind } from '../../local/creatio-sandbox';
import { waitFor } from '../support/wait';
import { drained, figure, leftInQueues, runSeed, seededRandom } from './support';
import { useLocalRuntime } from '../support/local-runtime';

/**
 * Creatio faults (issue 7): while ten conversations are handed off, appended to and resolved, the
 * Creatio sandbox fails about 30% of its requests (token endpoint included) with a 500, a 429 with
 * Retry-After: 1, a connection reset or a slow answer, first before
 * the request takes effect and then after it (the write is applied and the answer lost), and every
 * issued token is expired mid-run. Once the faults stop, everything must be in Creatio exactly
 * once and nothing may be left in any queue or DLQ.
 *
 * Tokens are expired once here: a second expiry while one request is still retrying turns that
 * request into a permanent auth failure (parked in the DLQ); the last test shows that on its own.
 *
 * The consumer's Creatio client retries on its own first (4 attempts, backoff, Retry-After); what it
 * gives up on, SQS redelivers. The visibility timeout is 5 s, not 1 s: the local poller hands the
 * consumer batches of up to 10 records, handled one after the other with no visibility extension, so
 * with 1 s a record still waiting in a slow batch is received five times by the other poller loop and
 * moved to the DLQ while it is then handled successfully — an artifact of a visibility timeout shorter
 * than the invocation, which the deployed stack rules out (visibility = 6 × function timeout).
 */

const CONVERSATIONS = 10;
const MESSAGES = 4;
const RESOLVED_STATUS = 'ae7f411e-f46b-1410-009b-0050ba5d6c38';
const KINDS: FaultKind[] = ['500', '429', 'reset', 'timeout'];
/**
 * A 'timeout' fault holds the answer this long. The client's own 5-second timeout is not reached (its
 * unit and sandbox tests cover it): hangs past it make one invocation outlast several visibility
 * timeouts, and the local queue then moves records to the DLQ that are still being handled.
 */
const HANG_MS = 1_500;
const CHANNELS = ['email', 'whatsapp', 'web'] as const;

const seed = runSeed();
const startedAt = Date.now();
const local = useLocalRuntime({ visibilityTimeoutSeconds: 5, creatioSandbox: { random: seededRandom(seed) } });

afterAll(async () => {
  figure('creatio-faults', `seed ${seed}, ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
});

type Row = Record<string, unknown>;
interface Conversation {
  readonly index: number;
  readonly sessionId: string;
  readonly email?: string;
  readonly phone?: string;
  readonly resolved: boolean;
}

const ref = (c: number, m: number) => `fault-ref C${c}M${m}`;
const contactsOf = (c: Conversation): Row[] => local.creatio.store.list('Contact').filter((row) => (c.email ? row.Email === c.email : row.MobilePhone === c.phone));
const casesOf = (c: Conversation): Row[] => {
  const ids = new Set(contactsOf(c).map((row) => row.Id));
  return local.creatio.store.list('Case').filter((row) => ids.has(row.ContactId));
};
/** Message numbers found in the case's activities, in StartDate order. */
const transcriptOf = (c: Conversation): number[] => {
  const theCase = casesOf(c)[0];
  if (!theCase) return [];
  return local.creatio.store
    .list('Activity')
    .filter((row) => row.CaseId === theCase.Id)
    .sort((a, b) => String(a.StartDate).localeCompare(String(b.StartDate)))
    .map((row) => Number(new RegExp(`fault-ref C${c.index}M(\\d+)`).exec(String(row.Body))?.[1] ?? -1));
};
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const at = (c: number, m: number) => new Date(Date.UTC(2026, 10, 21, 10, 0, 0) + m * 60_000 + c * 1_000).toISOString();

const conversations: Conversation[] = [];

describe('Creatio faults: 30% of requests fail and tokens expire mid-run', () => {
  let faultsStoppedAt = 0;

  beforeAll(async () => {
    for (const index of range(CONVERSATIONS)) {
      const channel = CHANNELS[index % CHANNELS.length]!;
      const email = channel === 'whatsapp' ? undefined : `fault.customer.${index}@example.org`;
      const phone = channel === 'whatsapp' ? `+4915130000${String(index).padStart(3, '0')}` : undefined;
      const { session } = await local.opencx.createSession({
        channel,
        contact: { name: `Fault Customer ${index}`, ...(email ? { email } : {}), ...(phone ? { phone_number: phone } : {}) },
        created_at: at(index, 0),
      });
      conversations.push({ index, sessionId: session.id, ...(email ? { email } : {}), ...(phone ? { phone } : {}), resolved: index % 3 === 0 });
      for (const m of range(MESSAGES)) {
        await local.opencx.addMessage(session.id, {
          author: m % 2 ? 'ai' : 'customer',
          text: `${ref(index, m)} ${m % 2 ? 'Let me check.' : 'Please help.'}`,
          created_at: at(index, m),
        });
      }
    }

    // Faults before the request takes effect; every token expires between the two halves of the handoffs
    // (an 'after' fault could hide the 401 behind the answer it replaces).
    local.creatio.setFaults({ rate: 0.3, kinds: KINDS, retryAfterSeconds: 1, hangMs: HANG_MS, includeToken: true });
    for (const c of conversations.slice(0, CONVERSATIONS / 2)) await local.opencx.handOff(c.sessionId, { summary: `Fault conversation ${c.index}.` });
    // Expired once the consumers hold a token that Creatio has accepted.
    await waitFor(() => local.creatio.requestLog.some((r) => r.path.startsWith('/0/odata') && r.status === 200), 'a request Creatio answered', 20_000);
    local.creatio.expireAllTokens();
    for (const c of conversations.slice(CONVERSATIONS / 2)) await local.opencx.handOff(c.sessionId, { summary: `Fault conversation ${c.index}.` });
    await waitFor(() => conversations.filter((c) => casesOf(c).length > 0).length >= CONVERSATIONS / 2, 'half of the cases, under faults', 30_000);
    // Then faults after the request took effect: a create is stored and its answer lost.
    local.creatio.setFaults({ rate: 0.3, kinds: KINDS, retryAfterSeconds: 1, hangMs: HANG_MS, includeToken: true, when: 'after' });
    // A message after the handoff, and a resolution for some, while Creatio still fails.
    for (const c of conversations) {
      await local.opencx.addMessage(c.sessionId, { author: 'customer', text: `${ref(c.index, MESSAGES)} Any news?`, created_at: at(c.index, MESSAGES) });
    }
    // Closed once its case exists: local-aws-sqs does not hold back a FIFO group while one of its
    // messages is being retried (real SQS does), so an earlier close could overtake the handoff.
    for (const c of conversations.filter((each) => each.resolved)) {
      await waitFor(() => casesOf(c).length > 0, `the case of conversation ${c.index}`, 30_000);
      await local.opencx.close(c.sessionId, { outcome: 'resolved' });
    }
    // The faults go on for a while after the last event, so that the retries and redeliveries meet them too.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    local.creatio.setFaults(null);
    faultsStoppedAt = Date.now();

    await waitFor(() => conversations.every((c) => transcriptOf(c).length >= MESSAGES + 1), 'every transcript in Creatio', 40_000);
    await waitFor(() => conversations.filter((c) => c.resolved).every((c) => casesOf(c)[0]?.StatusId === RESOLVED_STATUS), 'the resolved cases', 20_000);
    await drained(local.runtime, 2_000, 40_000);
  }, 120_000);

  it('really failed Creatio requests of several kinds and made the client meet expired tokens', () => {
    const injected = local.creatio.requestLog.filter((r) => r.fault);
    const byKind = Object.fromEntries(['500', '429', 'reset', 'timeout'].map((kind) => [kind, injected.filter((r) => r.fault === kind).length]));
    const unauthorised = local.creatio.requestLog.filter((r) => r.status === 401).length;
    const creatioRequests = local.creatio.requestLog.length;
    const stats = local.runtime.pollers.map((p) => ({ ...p.stats }));
    figure(
      'creatio-faults',
      `${creatioRequests} Creatio requests, ${injected.length} faulted (${JSON.stringify(byKind)}), ${unauthorised} answered 401 after token expiry; ` +
        `SQS redeliveries (records failed): sync-to-creatio ${stats[0]?.recordsFailed}, sync-to-opencx ${stats[1]?.recordsFailed}; ` +
        `records handled ${stats[0]?.recordsSucceeded} + ${stats[1]?.recordsSucceeded}; converged ${((Date.now() - faultsStoppedAt) / 1000).toFixed(1)} s after the faults stopped`,
    );

    expect(injected.length).toBeGreaterThanOrEqual(10);
    expect(byKind['500']! + byKind['429']! + byKind.reset!).toBeGreaterThan(0);
    expect(unauthorised).toBeGreaterThan(0);
  });

  it('creates exactly one contact and one case per conversation', () => {
    expect(conversations.map((c) => contactsOf(c).length)).toEqual(conversations.map(() => 1));
    expect(conversations.map((c) => casesOf(c).length)).toEqual(conversations.map(() => 1));
  });

  it('writes every message exactly once, in order, including the one sent after the handoff', () => {
    expect(conversations.map(transcriptOf)).toEqual(conversations.map(() => range(MESSAGES + 1)));
  });

  it('resolves exactly the cases whose conversations were closed as resolved', () => {
    expect(conversations.map((c) => casesOf(c)[0]?.StatusId === RESOLVED_STATUS)).toEqual(conversations.map((c) => c.resolved));
  });

  it('leaves nothing in either queue or DLQ once the faults stop', async () => {
    expect(await leftInQueues(local.runtime)).toEqual({ 'opencx-events': [], 'opencx-events-dlq': [], 'creatio-events': [], 'creatio-events-dlq': [] });
    expect(local.runtime.pollers.map((p) => p.stats.handlerCrashes)).toEqual([0, 0]);
  });
});

describe('Creatio faults: tokens expiring twice within one request’s retries', () => {
  it('treats a second token expiry during the retries of one request as retryable, not as a permanent auth failure', async () => {
    // One logical GET: its first attempt meets an expired token (refresh), its second a 429, and
    // before its third every token is expired again (seen in the run above when expireAllTokens()
    // was called twice while requests were retrying: the event was parked in the DLQ).
    let odataCalls = 0;
    const expiringFetch: typeof fetch = async (input, init) => {
      if (String(input).includes('/0/odata/')) {
        odataCalls += 1;
        if (odataCalls === 1 || odataCalls === 3) local.creatio.expireAllTokens();
        if (odataCalls === 2) local.creatio.setFaults({ rate: 1, kinds: ['429'], retryAfterSeconds: 0, count: 1 });
      }
      return fetch(input, init);
    };
    const client = new CreatioClient({
      instanceUrl: local.creatio.url,
      identityUrl: local.creatio.identityUrl,
      clientId: local.creatio.clientId,
      clientSecret: local.creatio.clientSecret,
      fetch: expiringFetch,
    });

    const outcome = await client.query('Contact', { top: 1 }).then(
      (page) => `read ${page.value.length}`,
      (error: unknown) => (error instanceof PermanentError ? `PermanentError: ${error.message}` : 'retryable'),
    );
    local.creatio.setFaults(null);

    expect(outcome).not.toMatch(/^PermanentError/);
    expect(odataCalls).toBeGreaterThanOrEqual(3);
  });
});
