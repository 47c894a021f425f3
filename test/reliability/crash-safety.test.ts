import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreatioClient } from '../../functions/shared/creatio';
import { RetryableError } from '../../functions/shared/errors';
import { interpretOpenCxWebhook } from '../../functions/shared/ingest/opencx-events';
import { createOpenCxClient } from '../../functions/shared/opencx';
import type { OpenCxQueueMessage } from '../../functions/shared/schemas/queue-messages';
import { DynamoDbStateStore } from '../../functions/shared/state/dynamodb-state-store';
import type { StateStore } from '../../functions/shared/state/state-store';
import { LookupResolver } from '../../functions/shared/sync/to-creatio/lookups';
import { syncConversation, type SyncObserver, type SyncToCreatioDeps } from '../../functions/shared/sync/to-creatio/sync-conversation';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/aws-servers';
import { figure } from './support';
import { useLocalRuntime } from '../support/local-runtime';

/**
 * Crash safety (issue 7): the consumer dies at the worst moments — after Creatio took the writes but
 * before the DynamoDB state says so — and SQS redelivers the same event. `syncConversation` runs
 * directly here, with the real Creatio and OpenCX sandboxes and a real DynamoDbStateStore on the
 * local DynamoDB server, built as functions/sync-to-creatio/handler.ts builds them; a wrapper makes
 * one state write throw once, as a killed process would leave it.
 */

const startedAt = Date.now();
const local = useLocalRuntime({ consumers: false, creatioBusinessProcesses: false });
let store: DynamoDbStateStore;
let deps: SyncToCreatioDeps;

const observer: SyncObserver = { metric: () => undefined, info: () => undefined, warn: () => undefined };

beforeAll(async () => {
  // The events are handed to syncConversation by the test, not by OpenCX's webhooks.
  local.opencx.setWebhookUrl(undefined);
  store = new DynamoDbStateStore(
    new DynamoDBClient({ region: LOCAL_REGION, endpoint: local.runtime.aws.dynamoEndpoint, credentials: LOCAL_CREDENTIALS }),
    local.runtime.aws.tableName,
  );
  const creatioClient = new CreatioClient({
    instanceUrl: local.creatio.url,
    identityUrl: local.creatio.identityUrl,
    odataRoot: local.runtime.config.creatio.odataRoot,
    clientId: local.creatio.clientId,
    clientSecret: local.creatio.clientSecret,
  });
  deps = {
    config: local.runtime.config,
    creatio: creatioClient,
    opencx: createOpenCxClient({ baseUrl: local.opencx.url, apiKey: local.opencx.apiKey }),
    store,
    lookups: new LookupResolver(() => creatioClient),
    observer,
    now: () => new Date(),
  };
});
afterAll(async () => {
  figure('crash-safety', `${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
});

class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
}

/** The store, with `method` throwing once (the process "dies" there), then behaving. */
const crashingOnce = (method: 'putSession' | 'putCase'): StateStore & { crashed: boolean } => {
  const wrapper = Object.create(store) as StateStore & { crashed: boolean };
  wrapper.crashed = false;
  wrapper[method] = async (...args: Parameters<StateStore['putSession']> & Parameters<StateStore['putCase']>) => {
    if (!wrapper.crashed) {
      wrapper.crashed = true;
      throw new SimulatedCrash(`killed before ${method}`);
    }
    return (store[method] as (...a: unknown[]) => Promise<number>)(...args);
  };
  return wrapper;
};

/** The queue message the webhook Lambda makes of the last webhook OpenCX produced for the session. */
const lastEvent = (sessionId: string, event: string): OpenCxQueueMessage => {
  const delivery = [...local.opencx.webhookDeliveries].reverse().find((d) => d.conversationId === sessionId && d.event === event);
  if (!delivery) throw new Error(`no ${event} for ${sessionId}`);
  const interpreted = interpretOpenCxWebhook({ organizationId: local.runtime.config.opencx.organizationId })(delivery.envelope, new Date());
  if (interpreted.kind !== 'enqueue') throw new Error(`${event} was not enqueued`);
  return interpreted.message.body as OpenCxQueueMessage;
};

type Row = Record<string, unknown>;
const contactsWith = (email: string): Row[] => local.creatio.store.list('Contact').filter((c) => c.Email === email);
const casesOfContact = (contactId: unknown): Row[] => local.creatio.store.list('Case').filter((c) => c.ContactId === contactId);
const activitiesOf = (caseId: unknown): Row[] => local.creatio.store.list('Activity').filter((a) => a.CaseId === caseId);
/** What Creatio holds for the customer: contacts, cases and activities by case, as counts. */
const snapshot = (email: string) => {
  const contacts = contactsWith(email);
  const cases = contacts.flatMap((c) => casesOfContact(c.Id));
  return { contacts: contacts.length, cases: cases.length, activities: cases.map((c) => activitiesOf(c.Id).length) };
};

let counter = 0;
const conversation = async (email: string, messages: number) => {
  counter += 1;
  const { session } = await local.opencx.createSession({ channel: 'email', contact: { name: `Crash Customer ${counter}`, email } });
  for (let m = 0; m < messages; m += 1) {
    await local.opencx.addMessage(session.id, {
      author: m % 2 ? 'ai' : 'customer',
      text: m === 0 ? `Subject: Crash case ${counter}\n\nMessage ${m}` : `Message ${m} of crash conversation ${counter}`,
      created_at: new Date(Date.UTC(2026, 10, 22, 8, counter, m)).toISOString(),
    });
  }
  return session.id;
};

describe('Crash safety: the consumer killed between the Creatio write and the state write', () => {
  it('creates no second contact, case or activity when the first handoff is redelivered after a crash before putSession', async () => {
    const email = 'crash.first@example.org';
    const sessionId = await conversation(email, 3);
    await local.opencx.handOff(sessionId, { summary: 'First handoff.' });
    const event = lastEvent(sessionId, 'conversation.handoff_to_human');
    const crashing = crashingOnce('putSession');

    await expect(syncConversation(event, { ...deps, store: crashing })).rejects.toThrow(SimulatedCrash);
    const afterCrash = snapshot(email);
    const redelivered = await syncConversation(event, deps);

    expect(afterCrash).toEqual({ contacts: 1, cases: 1, activities: [3] });
    expect(redelivered).toMatchObject({ kind: 'synced', activitiesWritten: 3 });
    expect(snapshot(email)).toEqual({ contacts: 1, cases: 1, activities: [3] });
    expect((await store.getSession(sessionId))?.value.caseId).toBe(redelivered.kind === 'synced' ? redelivered.caseId : 'not synced');
  });

  it('adds the note and the new messages of a second handoff once, when it is redelivered after a crash before putSession', async () => {
    const email = 'crash.second@example.org';
    const sessionId = await conversation(email, 2);
    await local.opencx.handOff(sessionId, { summary: 'First handoff.' });
    await syncConversation(lastEvent(sessionId, 'conversation.handoff_to_human'), deps);
    await local.opencx.addMessage(sessionId, { author: 'customer', text: 'Back again: it broke once more.', created_at: new Date(Date.UTC(2026, 10, 23, 9, 0, 0)).toISOString() });
    await local.opencx.addMessage(sessionId, { author: 'ai', text: 'Sorry to hear that, handing you over.', created_at: new Date(Date.UTC(2026, 10, 23, 9, 0, 5)).toISOString() });
    await local.opencx.handOff(sessionId, { summary: 'Second handoff.' });
    const second = lastEvent(sessionId, 'conversation.handoff_to_human');

    await expect(syncConversation(second, { ...deps, store: crashingOnce('putSession') })).rejects.toThrow(SimulatedCrash);
    const afterCrash = snapshot(email);
    await syncConversation(second, deps);
    await syncConversation(second, deps);

    // 2 messages, then the handoff note and 2 more messages.
    expect(afterCrash).toEqual({ contacts: 1, cases: 1, activities: [5] });
    expect(snapshot(email)).toEqual({ contacts: 1, cases: 1, activities: [5] });
    const theCase = casesOfContact(contactsWith(email)[0]?.Id)[0];
    expect(activitiesOf(theCase?.Id).filter((a) => String(a.Body).includes('Second handoff.'))).toHaveLength(1);
  });

  it('adds a new conversation to the contact’s open case once, when its handoff is redelivered after a crash before putSession', async () => {
    const email = 'crash.append@example.org';
    const first = await conversation(email, 2);
    await local.opencx.handOff(first, { summary: 'The first conversation.' });
    await syncConversation(lastEvent(first, 'conversation.handoff_to_human'), deps);
    const next = await conversation(email, 2);
    await local.opencx.handOff(next, { summary: 'The next conversation.' });
    const event = lastEvent(next, 'conversation.handoff_to_human');

    await expect(syncConversation(event, { ...deps, store: crashingOnce('putSession') })).rejects.toThrow(SimulatedCrash);
    const redelivered = await syncConversation(event, deps);

    expect(redelivered).toMatchObject({ kind: 'synced', caseMode: 'appended' });
    // 2 + the "appended" note + 2.
    expect(snapshot(email)).toEqual({ contacts: 1, cases: 1, activities: [5] });
  });

  it('records the case mapping and duplicates nothing when the crash comes after putSession, before putCase', async () => {
    const email = 'crash.case-record@example.org';
    const sessionId = await conversation(email, 2);
    await local.opencx.handOff(sessionId, { summary: 'Handoff.' });
    const event = lastEvent(sessionId, 'conversation.handoff_to_human');

    await expect(syncConversation(event, { ...deps, store: crashingOnce('putCase') })).rejects.toThrow(SimulatedCrash);
    const redelivered = await syncConversation(event, deps);

    expect(snapshot(email)).toEqual({ contacts: 1, cases: 1, activities: [2] });
    const caseId = redelivered.kind === 'synced' ? redelivered.caseId : '';
    expect((await store.getCase(caseId))?.value.sessionId).toBe(sessionId);
  });
});

describe('Crash safety: the Creatio write itself did not happen', () => {
  /** The Creatio client, with every $batch timing out before Creatio applied it (or the process dying while sending it). */
  const losingBatches = (): CreatioClient => {
    const client = Object.create(deps.creatio) as CreatioClient;
    client.batch = async () => {
      throw new RetryableError('Creatio POST $batch timed out after 5000 ms', { kind: 'timeout' });
    };
    return client;
  };

  it('still creates the new contact and the case when the first handoff is redelivered after its $batch failed', async () => {
    const email = 'crash.batch-lost@example.org';
    const sessionId = await conversation(email, 2);
    await local.opencx.handOff(sessionId, { summary: 'Handoff whose batch is lost.' });
    const event = lastEvent(sessionId, 'conversation.handoff_to_human');

    await expect(syncConversation(event, { ...deps, creatio: losingBatches() })).rejects.toThrow(RetryableError);
    const redelivered = syncConversation(event, deps);

    await expect(redelivered).resolves.toMatchObject({ kind: 'synced', caseMode: 'created' });
    expect(snapshot(email)).toEqual({ contacts: 1, cases: 1, activities: [2] });
  });

  it('still gives a later conversation of the same customer its case after an earlier handoff’s $batch was lost', async () => {
    const email = 'crash.batch-lost-later@example.org';
    const earlier = await conversation(email, 2);
    await local.opencx.handOff(earlier, { summary: 'Handoff whose batch is lost.' });
    await expect(syncConversation(lastEvent(earlier, 'conversation.handoff_to_human'), { ...deps, creatio: losingBatches() })).rejects.toThrow(RetryableError);
    const later = await conversation(email, 2);
    await local.opencx.handOff(later, { summary: 'A new conversation, two minutes later.' });
    // Past the one-minute grace the sync gives a claimed case that may still be on its way into Creatio.
    const twoMinutesLater = { ...deps, now: () => new Date(Date.now() + 120_000) };

    await expect(syncConversation(lastEvent(later, 'conversation.handoff_to_human'), twoMinutesLater)).resolves.toMatchObject({ kind: 'synced' });
    expect(snapshot(email)).toMatchObject({ contacts: 1, cases: 1 });
  });
});
