import { EmailMessageTypeIds, type BatchItemResult } from '../../functions/shared/creatio';
import { PermanentError, RetryableError } from '../../functions/shared/errors';
import type { OpenCxMessage, OpenCxSession } from '../../functions/shared/opencx';
import type { OpenCxQueueMessage } from '../../functions/shared/schemas/queue-messages';
import { parseTenantConfig } from '../../functions/shared/schemas/tenant-config';
import type { SessionRecord } from '../../functions/shared/state/state-store';
import { chooseCase, ownCaseId, rememberedOpenCase } from '../../functions/shared/sync/to-creatio/choose-case';
import { caseStatusSeen, contactClaim } from '../../functions/shared/sync/to-creatio/contact-claim';
import { writeChecked } from '../../functions/shared/sync/to-creatio/read-candidates';
import type { ContactIdentity } from '../../functions/shared/sync/to-creatio/contact';
import { outcomeOf } from '../../functions/shared/sync/to-creatio/execute-plan';
import { nextQuarantine } from '../../functions/shared/sync/to-creatio/next-state';
import { planSync, plannedOperations, type PlanInput } from '../../functions/shared/sync/to-creatio/plan-sync';
import { resolutionStep, wantsResolution } from '../../functions/shared/sync/to-creatio/resolution';

const config = parseTenantConfig({
  tenant: 'unit',
  creatio: { instanceUrl: 'https://unit.creatio.com' },
  cases: { resolvedStatusId: 'ae7f411e-f46b-1410-009b-0050ba5d6c38' },
});
const NOW = new Date('2026-12-02T12:00:00.000Z');
const SESSION = 'c0a80121-7e2b-4f55-a1d3-9b8c7d6e5f40';
const OTHER_CASE = '11111111-2222-4333-8444-555555555555';

const message = (id: string, text: string, author: OpenCxMessage['author'] = 'customer'): OpenCxMessage => ({
  id,
  createdAt: `2026-12-02T11:00:0${id.length % 10}.000Z`,
  kind: 'message',
  author,
  text,
  format: 'text',
  eventType: 'message',
  attachments: [],
});
const event = (kind: OpenCxQueueMessage['event'], occurredAt = '2026-12-02T11:59:00.000Z'): OpenCxQueueMessage => ({
  source: 'opencx',
  dedupId: 'd',
  event: kind,
  conversationId: SESSION,
  occurredAt,
  receivedAt: occurredAt,
});
const session = { id: SESSION, channel: { type: 'email' }, status: 'open' } as OpenCxSession;
const identity: ContactIdentity = { key: 'email:quinn@example.org', name: 'Quinn', email: 'quinn@example.org', proven: true } as ContactIdentity;
const contactRecord = (openCaseId: string, claimedAt = '2026-11-01T00:00:00.000Z') => ({
  value: { contactKey: identity.key, creatioContactId: OTHER_CASE, openCaseId, claimedAt },
  version: 1,
});

const input = (overrides: Partial<PlanInput> = {}): PlanInput => ({
  event: event('conversation.handoff_to_human'),
  state: { sessionId: SESSION },
  session,
  history: [message('m1', 'Hello'), message('m22', 'Are you there?')],
  echoes: new Set(),
  identity,
  target: { caseId: ownCaseId('unit', SESSION), mode: 'created', contact: undefined },
  contact: { creatioContactId: OTHER_CASE },
  caseColumns: {},
  config,
  now: NOW,
  ...overrides,
});

describe('the planner chooses the case', () => {
  const state: SessionRecord = { sessionId: SESSION };

  it("appends a new conversation to the contact's open case", () => {
    const choice = chooseCase(state, { contact: contactRecord(OTHER_CASE), openCase: 'open' }, config, NOW);
    expect(choice).toMatchObject({ kind: 'target', target: { caseId: OTHER_CASE, mode: 'appended' } });
  });

  it('appends to a Resolved (not final) case too, and the plan moves it back to the Reopened status', () => {
    const choice = chooseCase(state, { contact: contactRecord(OTHER_CASE), openCase: 'resolved' }, config, NOW);
    expect(choice).toMatchObject({ kind: 'target', target: { mode: 'appended' } });
    const plan = planSync(input({ target: choice.kind === 'target' ? choice.target : (undefined as never), reopenCase: true }));
    expect(plan.setup).toContainEqual(expect.objectContaining({ method: 'PATCH', id: OTHER_CASE, body: { StatusId: config.cases.reopenedStatusId } }));
  });

  it('never touches a final case: a new case with the final one as parent', () => {
    const choice = chooseCase(state, { contact: contactRecord(OTHER_CASE), openCase: 'final' }, config, NOW);
    expect(choice).toMatchObject({ kind: 'target', target: { caseId: ownCaseId('unit', SESSION), mode: 'created', parentCaseId: OTHER_CASE } });
  });

  it('waits while another conversation of the contact is still creating the case it claimed', () => {
    const choice = chooseCase(state, { contact: contactRecord(OTHER_CASE, '2026-12-02T11:59:50.000Z'), openCase: 'missing' }, config, NOW);
    expect(choice.kind).toBe('wait');
  });
});

describe("the contact's open case is remembered for a while instead of read again", () => {
  const OPEN_STATUS = 'ae5f2f10-f46b-1410-fd9a-0050ba5d6c38';
  const seen = (checkedAt: string) => ({ ...contactRecord(OTHER_CASE).value, openCaseStatusId: OPEN_STATUS, statusCheckedAt: checkedAt });

  it('trusts a status seen open less than caseStatusMaxAgeSeconds (default 5 minutes) ago', () => {
    expect(config.cases.caseStatusMaxAgeSeconds).toBe(300);
    expect(rememberedOpenCase(seen('2026-12-02T11:56:00.000Z'), config, NOW)).toBe('open');
  });

  it('reads the case again once the remembered status is older, or when the tenant sets the age to 0', () => {
    expect(rememberedOpenCase(seen('2026-12-02T11:54:59.000Z'), config, NOW)).toBeUndefined();
    const always = parseTenantConfig({ tenant: 'unit', creatio: { instanceUrl: 'https://unit.creatio.com' }, cases: { caseStatusMaxAgeSeconds: 0 } });
    expect(rememberedOpenCase(seen('2026-12-02T11:59:59.000Z'), always, NOW)).toBeUndefined();
  });

  it('does not trust a bare claim: the claimed case may not exist in Creatio yet', () => {
    expect(rememberedOpenCase(contactRecord(OTHER_CASE, '2026-12-02T11:59:50.000Z').value, config, NOW)).toBeUndefined();
  });

  it("a new case's claim forgets the status remembered for the contact's previous case", () => {
    const target = { caseId: ownCaseId('unit', SESSION), mode: 'created' as const, contact: { value: seen('2026-12-02T11:59:00.000Z'), version: 3 } };
    const claim = contactClaim(target, identity, { creatioContactId: OTHER_CASE }, config, NOW);
    expect(claim).toMatchObject({ openCaseId: ownCaseId('unit', SESSION) });
    expect(claim?.openCaseStatusId).toBeUndefined();
    expect(claim?.statusCheckedAt).toBeUndefined();
  });

  it('forgets the remembered status when Creatio reports the case resolved or closed, and refreshes it when still open', () => {
    const record = seen('2026-12-02T11:00:00.000Z');
    const closed = caseStatusSeen(record, OTHER_CASE, 'ae7f411e-f46b-1410-009b-0050ba5d6c38', true, NOW);
    expect(closed).toMatchObject({ openCaseId: OTHER_CASE });
    expect(rememberedOpenCase(closed, config, NOW)).toBeUndefined();
    const open = caseStatusSeen(record, OTHER_CASE, '7E9F1204-F46B-1410-FB9A-0050BA5D6C38', false, NOW);
    expect(open).toMatchObject({ openCaseStatusId: '7e9f1204-f46b-1410-fb9a-0050ba5d6c38', statusCheckedAt: NOW.toISOString() });
    expect(caseStatusSeen(record, '99999999-2222-4333-8444-555555555555', OPEN_STATUS, true, NOW)).toBeUndefined();
  });
});

describe('an append on a remembered status is checked alongside the batch', () => {
  const target = { caseId: OTHER_CASE, mode: 'appended' as const, contact: undefined };
  const ACT1 = '5d2c1a10-1111-5222-8333-444455556666';
  const ACT2 = '5d2c1a10-1111-5222-8333-444455556667';
  const remembered = { ...contactRecord(OTHER_CASE).value, openCaseStatusId: 'ae5f2f10-f46b-1410-fd9a-0050ba5d6c38', statusCheckedAt: '2026-12-02T11:59:00.000Z' };
  const candidates = { contact: { value: remembered, version: 4 }, openCase: 'open' as const, remembered: true };
  const fakes = () => {
    const deleted: string[] = [];
    const written: unknown[] = [];
    const deps = {
      config,
      store: {
        putContact: async (record: unknown) => {
          written.push(record);
          return 5;
        },
      },
      creatio: {
        batch: async (ops: readonly { id?: string }[]) => {
          deleted.push(...ops.map((o) => o.id ?? ''));
          return [];
        },
        patchCase: async () => undefined,
      },
      lookups: {},
    } as unknown as Parameters<typeof writeChecked>[3];
    return { deps, deleted, written };
  };

  it('takes the new activities back from a case Creatio closed meanwhile, forgets the status and retries the event', async () => {
    const { deps, deleted, written } = fakes();
    const attempt = writeChecked(Promise.resolve('final'), async () => 'batch written', { target, candidates, activityIds: [ACT1, ACT2] }, deps);
    await expect(attempt).rejects.toBeInstanceOf(RetryableError);
    expect(deleted).toEqual([ACT1, ACT2]);
    expect(written).toEqual([expect.not.objectContaining({ statusCheckedAt: expect.anything() })]);
  });

  it('keeps the append when the case is still open', async () => {
    const { deps, deleted, written } = fakes();
    await expect(writeChecked(Promise.resolve('open'), async () => 'batch written', { target, candidates, activityIds: [ACT1] }, deps)).resolves.toBe('batch written');
    expect(deleted).toEqual([]);
    expect(written).toEqual([]);
  });
});

describe('the planner writes one activity per message', () => {
  it('plans the contact, the case and one activity per customer-visible message, in order', () => {
    const plan = planSync(input({ contact: { creatioContactId: OTHER_CASE, create: { Id: OTHER_CASE, Name: 'Quinn' } } }));
    expect(plannedOperations(plan).map((op) => `${op.method} ${op.collection}`)).toEqual(['POST Contact', 'POST Case', 'POST Activity', 'POST Activity']);
    expect(plan.messages.map((m) => m.message.id)).toEqual(['m1', 'm22']);
  });

  it('shows what an unproven customer typed as unverified in the case description', () => {
    const visitor = { key: `opencx:${SESSION}`, name: 'Visitor', proven: false, unverified: { email: 'someone@example.org' } } as ContactIdentity;
    const plan = planSync(input({ identity: visitor }));
    const theCase = plan.setup.find((op) => op.collection === 'Case');
    expect(theCase && 'body' in theCase ? String(theCase.body.Symptoms) : '').toContain('unverified: someone@example.org');
  });

  it('writes the handoff note with a SendDate and not as an incoming email', () => {
    const plan = planSync(input({ target: { caseId: OTHER_CASE, mode: 'appended', contact: undefined } }));
    const note = plan.note?.operation;
    expect(note && 'body' in note ? note.body : {}).toMatchObject({ SendDate: '2026-12-02T11:59:00.000Z' });
    expect(note && 'body' in note ? note.body.MessageTypeId : undefined).not.toBe(EmailMessageTypeIds.Incoming);
  });
});

describe('the results are applied per message', () => {
  const plan = planSync(input());
  const ok = (i: number): BatchItemResult => ({ index: i, operation: plannedOperations(plan)[i]!, id: 'x', outcome: 'created', record: { Id: 'x' } });
  const refused = (i: number): BatchItemResult => ({
    index: i,
    operation: plannedOperations(plan)[i]!,
    id: 'x',
    outcome: 'failed',
    status: 400,
    error: new PermanentError("Truncated value: 'quinn@example.org'", { status: 400 }),
  });

  it('quarantines a message Creatio refuses for good, with a reason that quotes no customer data', () => {
    const outcome = outcomeOf(plan, [ok(0), refused(1), ok(2)], NOW);
    expect(outcome.quarantined).toEqual([expect.objectContaining({ messageId: 'm1', status: 400 })]);
    expect(outcome.quarantined[0]?.reason).not.toContain('quinn@example.org');
  });

  it('quarantines nothing when Creatio denies the write (403): the whole event waits for the rights to be fixed', () => {
    const denied: BatchItemResult = { ...refused(1), status: 403, error: new PermanentError('forbidden', { status: 403, kind: 'forbidden' }) } as BatchItemResult;
    expect(() => outcomeOf(plan, [ok(0), denied, ok(2)], NOW)).toThrow(expect.objectContaining({ kind: 'forbidden' }));
  });

  it('parks the event when the case itself is refused', () => {
    expect(() => outcomeOf(plan, [refused(0), ok(1), ok(2)], NOW)).toThrow(PermanentError);
  });

  it('retries the event when a write may still succeed', () => {
    const busy: BatchItemResult = { ...ok(2), outcome: 'failed', status: 503, error: new RetryableError('busy') } as BatchItemResult;
    expect(() => outcomeOf(plan, [ok(0), ok(1), busy], NOW)).toThrow(RetryableError);
  });

  it('drops a quarantined message from the list once a replay wrote it', () => {
    const previous = [{ messageId: 'm1', activityId: 'a', reason: 'r', at: NOW.toISOString() }];
    expect(nextQuarantine(previous, plan, [])).toBeUndefined();
  });
});

describe('resolution per closure', () => {
  const closed = { ...session, status: 'closed_resolved' } as OpenCxSession;

  it('resolves again after a reopened conversation is closed again', () => {
    const state: SessionRecord = { sessionId: SESSION, status: 'open', resolvedBy: 'opencx', closuresSynced: ['2026-12-01T10:00:00.000Z'] };
    expect(wantsResolution(event('conversation.closed', '2026-12-02T10:00:00.000Z'), closed, state, config)).toBe(true);
    expect(wantsResolution(event('conversation.closed', '2026-12-01T10:00:00.000Z'), closed, state, config)).toBe(false);
  });

  it("leaves a rep's own resolved status and a final case alone", () => {
    expect(resolutionStep('aaaaaaaa-f46b-1410-009b-0050ba5d6c38', { isFinal: false, isResolved: true }, config.cases.resolvedStatusId!)).toBe('already');
    expect(resolutionStep('aaaaaaaa-f46b-1410-009b-0050ba5d6c38', { isFinal: true, isResolved: false }, config.cases.resolvedStatusId!)).toBe('leave');
  });
});
