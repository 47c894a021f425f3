import type { OpenCxSandbox } from '../../local/opencx-sandbox';
import { repRepliesOnCase } from '../support/rep-reply';
import { settle, waitFor } from '../support/wait';
import { useLocalRuntime } from '../support/local-runtime';

// No identity URL: the consumers must discover where this (non-creatio.com) instance issues tokens.
const local = useLocalRuntime({ visibilityTimeoutSeconds: 1, env: { CREATIO_IDENTITY_URL: '' } });

type Row = Record<string, unknown>;
const contacts = (): Row[] => local.creatio.store.list('Contact');
const caseOfSession = (sessionId: string): Row | undefined =>
  local.creatio.store.list('Case').find((c) => local.creatio.store.list('Activity').some((a) => a.CaseId === c.Id && String(a.Body).includes(sessionId)));
const sentTo = (sessionId: string) => local.opencx.sentMessages.filter((m) => m.sessionId === sessionId);

const handOff = async (input: Parameters<OpenCxSandbox['createSession']>[0], text: string): Promise<string> => {
  const { session } = await local.opencx.createSession(input);
  await local.opencx.addMessage(session.id, { author: 'customer', text });
  await local.opencx.handOff(session.id, { summary: 'The customer needs a human.' });
  return session.id;
};

const agentReplies = (caseId: string, text: string): void => {
  repRepliesOnCase(local.creatio, { caseId, html: `<p>${text}</p>` });
};

describe('a stranger who types a customer’s email address into the web chat', () => {
  let customerSession: string;
  let strangerSession: string;
  let customerCase: Row;
  let strangerCase: Row;

  beforeAll(async () => {
    customerSession = await handOff({ channel: 'email', contact: { name: 'Mara Lind', email: 'mara.lind@example.org' } }, 'Subject: Invoice\n\nPlease resend my invoice.');
    customerCase = await waitFor(() => caseOfSession(customerSession), 'the customer’s case');
    strangerSession = await handOff(
      { channel: 'web', contact: { non_verified_name: 'Mara Lind', non_verified_email: 'mara.lind@example.org' } },
      'Hi, I am Mara, what is on my account?',
    );
    strangerCase = await waitFor(() => caseOfSession(strangerSession), 'the stranger’s case');
  });

  it('gets a new case of their own, on a contact of their own, not the customer’s', () => {
    expect(strangerCase.Id).not.toBe(customerCase.Id);
    expect(strangerCase.ContactId).not.toBe(customerCase.ContactId);
    const strangerContact = contacts().find((c) => c.Id === strangerCase.ContactId);
    expect(strangerContact?.Email).toBe('');
  });

  it('never receives the reply an agent writes on the customer’s case; the customer does', async () => {
    agentReplies(String(customerCase.Id), 'Your invoice 2026-114 is attached to this email.');

    await waitFor(() => sentTo(customerSession).length === 1, 'the reply to the customer');
    await settle(() => [local.opencx.sentMessages.length, local.creatio.store.list('Activity').length]);

    expect(sentTo(strangerSession)).toEqual([]);
  });
});

describe('replies once, and only real ones', () => {
  it('writes to the case a rep’s "Thanks!" from the OpenCX inbox even though a Creatio reply said the same earlier', async () => {
    const sessionId = await handOff({ channel: 'web', contact: { name: 'Ivo Brandt', email: 'ivo.brandt@example.org' } }, 'The parcel arrived, all fine.');
    const theCase = await waitFor(() => caseOfSession(sessionId), 'Ivo’s case');
    agentReplies(String(theCase.Id), 'Thanks!');
    await waitFor(() => sentTo(sessionId).length === 1, 'the Creatio reply in OpenCX');
    await settle(() => [local.creatio.store.list('Activity').length, local.opencx.webhookDeliveries.length]);
    const before = local.creatio.store.list('Activity').filter((a) => a.CaseId === theCase.Id).length;

    await local.opencx.addMessage(sessionId, { author: 'agent', text: 'Thanks!', created_at: new Date(Date.now() + 86_400_000).toISOString() });

    await waitFor(() => local.creatio.store.list('Activity').filter((a) => a.CaseId === theCase.Id).length === before + 1, 'the inbox reply on the case');
  });
});

describe('a returning customer whose email Creatio stores in other letter case', () => {
  it('is matched to that contact: no second contact', async () => {
    const priya = contacts().find((c) => c.Name === 'Priya Raman')!;

    const sessionId = await handOff({ channel: 'email', contact: { name: 'Priya Raman', email: 'priya.raman@example.com' } }, 'Subject: Upgrade\n\nHow do I upgrade?');
    const theCase = await waitFor(() => caseOfSession(sessionId), 'Priya’s case');

    expect(priya.Email).toBe('Priya.Raman@Example.COM');
    expect(theCase.ContactId).toBe(priya.Id);
    expect(contacts().filter((c) => String(c.Email).toLowerCase().trim() === 'priya.raman@example.com')).toHaveLength(1);
  });
});

describe('a returning customer whose address was typed into Creatio with a space in front', () => {
  it('is matched to that contact', async () => {
    const sofia = contacts().find((c) => c.Name === 'Sofia Marquez')!;

    const sessionId = await handOff({ channel: 'email', contact: { name: 'Sofia Marquez', email: 'Sofia.Marquez@example.net' } }, 'Subject: Refund\n\nWhere is my refund?');
    const theCase = await waitFor(() => caseOfSession(sessionId), 'Sofia’s case');

    expect(sofia.Email).toBe(' sofia.marquez@example.net');
    expect(theCase.ContactId).toBe(sofia.Id);
  });
});

describe('an OpenCX event that names no conversation', () => {
  it('is answered 200 "ignored" with the reason, so OpenCX neither retries nor alerts', async () => {
    const answer = await fetch(local.runtime.opencxWebhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'conversation.closed', organization_id: local.runtime.config.opencx.organizationId, data: { conversation_id: null } }),
    });

    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ ignored: 'conversation.closed', reason: expect.stringContaining('conversation_id') });
  });
});

describe('a Creatio instance on its own domain, with no identity service URL configured', () => {
  it('gets its token through discovery, and never asks <instance>/connect/token', () => {
    const paths = local.creatio.requestLog.map((entry) => `${entry.method} ${entry.path}`);

    expect(paths).toContain('GET /0/.well-known/openid-configuration');
    expect(paths).toContain('POST /0/connect/token');
    expect(paths).not.toContain('POST /connect/token');
  });
});
