import { ActivityTypeIds } from '../../functions/shared/creatio';
import { syncCreatioEvent } from '../../functions/shared/sync/to-opencx';
import { ACTIVITY_ID, CASE_ID, SESSION_ID, harness, knownConversation, newActivity, type Harness } from './sync-to-opencx-fakes';

const STRANGER_SESSION = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const STRANGER_CONTACT = 'e1d2c3b4-a596-4877-8695-a4b3c2d1e0f9';

/** The customer's email conversation became the case; a second conversation was (wrongly) recorded on it last. */
const caseWithStrangerLast = async (): Promise<Harness> => {
  const h = harness();
  await knownConversation(h, 'email');
  h.opencx.addSession(SESSION_ID, 'email');
  h.opencx.addSession(STRANGER_SESSION, 'web');
  await h.store.putSession({ sessionId: STRANGER_SESSION, channel: 'web', caseId: CASE_ID, status: 'open', creatioContactId: STRANGER_CONTACT }, 0);
  const current = await h.store.getCase(CASE_ID);
  if (!current) throw new Error('case missing');
  await h.store.putCase({ ...current.value, sessionId: STRANGER_SESSION, sessionIds: [SESSION_ID, STRANGER_SESSION] }, current.version);
  return h;
};

describe("Creatio → OpenCX: a reply reaches only the case's own customer", () => {
  it('goes to the conversation of the case contact, not to a newer conversation of someone else on the case', async () => {
    const h = await caseWithStrangerLast();
    h.creatio.addAgentEmail();

    const outcome = await syncCreatioEvent(newActivity(), h.deps);

    expect(outcome).toMatchObject({ kind: 'delivered', sessionId: SESSION_ID });
    expect(h.opencx.sent.map((s) => s.sessionId)).toEqual([SESSION_ID]);
  });

  it('is not sent when the only open conversation on the case belongs to someone else, and a note on the case says why', async () => {
    const h = await caseWithStrangerLast();
    const mine = await h.store.getSession(SESSION_ID);
    if (!mine) throw new Error('session missing');
    await h.store.putSession({ ...mine.value, status: 'closed' }, mine.version);
    h.creatio.addAgentEmail();

    const outcome = await syncCreatioEvent(newActivity(), h.deps);

    expect(outcome).toMatchObject({ kind: 'blocked', reason: 'no_verified_session' });
    expect(h.opencx.sent).toEqual([]);
    expect(h.creatio.created).toEqual([
      expect.objectContaining({ CaseId: CASE_ID, TypeId: ActivityTypeIds.Email, Title: expect.stringMatching(/^Reply not delivered/), SendDate: expect.any(Date) }),
    ]);
    expect(h.creatio.created[0]).not.toHaveProperty('MessageTypeId');
    expect(String(h.creatio.created[0]?.Body)).toContain('was NOT sent');
  });

  it('is blocked only once when the business process calls again', async () => {
    const h = await caseWithStrangerLast();
    const mine = await h.store.getSession(SESSION_ID);
    if (!mine) throw new Error('session missing');
    await h.store.putSession({ ...mine.value, status: 'closed' }, mine.version);
    h.creatio.addAgentEmail();

    await syncCreatioEvent(newActivity(), h.deps);
    const again = await syncCreatioEvent(newActivity(), h.deps);

    expect(again).toMatchObject({ kind: 'skipped', reason: 'already_blocked' });
    expect(h.creatio.created).toHaveLength(1);
  });

  it('is not sent when the case has no contact in Creatio', async () => {
    const h = harness();
    await knownConversation(h, 'email');
    h.opencx.addSession(SESSION_ID, 'email');
    h.creatio.cases.set(CASE_ID, { Id: CASE_ID, ContactId: '00000000-0000-0000-0000-000000000000' } as never);
    h.creatio.addAgentEmail();

    const outcome = await syncCreatioEvent(newActivity(), h.deps);

    expect(outcome).toMatchObject({ kind: 'blocked', reason: 'no_verified_session', activityId: ACTIVITY_ID });
    expect(h.opencx.sent).toEqual([]);
  });

  it('still reaches a customer whose contact the bridge created for an unproven chat identity, on their own case', async () => {
    const h = harness();
    await knownConversation(h, 'web');
    h.opencx.addSession(SESSION_ID, 'web');
    h.creatio.addAgentEmail();

    const outcome = await syncCreatioEvent(newActivity(), h.deps);

    expect(outcome).toMatchObject({ kind: 'delivered', sessionId: SESSION_ID });
  });
});
