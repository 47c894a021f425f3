import { CaseStatusIds } from '../../functions/shared/creatio';
import { syncCreatioEvent } from '../../functions/shared/sync/to-opencx';
import { CASE_ID, SESSION_ID, caseUpdated, harness, knownConversation, requestsMade, testConfig, type Harness } from './sync-to-opencx-fakes';

const SECOND_SESSION_ID = 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e';

const conversationWithCaseIn = async (statusId: string, h: Harness = harness()): Promise<Harness> => {
  await knownConversation(h, 'email');
  h.opencx.addSession(SESSION_ID, 'email');
  h.creatio.cases.set(CASE_ID, { Id: CASE_ID, Subject: 'Card declined twice', StatusId: statusId });
  return h;
};

const moveCaseTo = (h: Harness, statusId: string): void => {
  h.creatio.cases.set(CASE_ID, { Id: CASE_ID, Subject: 'Card declined twice', StatusId: statusId });
};

describe('Creatio → OpenCX: resolution', () => {
  it('closes the OpenCX conversation as resolved, without reflecting it back, when the case is resolved', async () => {
    const h = await conversationWithCaseIn(CaseStatusIds.Resolved);

    const outcome = await syncCreatioEvent(caseUpdated(), h.deps);

    expect(outcome).toEqual({ kind: 'resolved', caseId: CASE_ID, statusId: CaseStatusIds.Resolved, closedSessionIds: [SESSION_ID] });
    expect(h.opencx.updates).toEqual([{ sessionId: SESSION_ID, status: 'closed_resolved', options: { reflectToIntegration: false } }]);
    expect(h.metrics).toEqual({ resolutionsToOpenCx: 1 });
    expect(requestsMade(h)).toEqual({ creatio: 1, opencx: 2 });
  });

  it('records that Creatio resolved the conversation before asking OpenCX to close it', async () => {
    const h = await conversationWithCaseIn(CaseStatusIds.Resolved);

    await syncCreatioEvent(caseUpdated(), h.deps);

    expect(h.writes).toEqual(['session:creatio:open', 'opencx:update:closed_resolved', 'session:creatio:closed', 'case']);
    expect((await h.store.getCase(CASE_ID))?.value).toMatchObject({ lastStatusId: CaseStatusIds.Resolved, resolvedBy: 'creatio' });
  });

  it('closes the conversation for a final status such as Closed or Canceled too', async () => {
    const h = await conversationWithCaseIn(CaseStatusIds.Canceled);

    const outcome = await syncCreatioEvent(caseUpdated(), h.deps);

    expect(outcome).toMatchObject({ kind: 'resolved' });
  });

  it('closes the conversation for the tenant’s own resolved status without looking the status up', async () => {
    const custom = '0e3c5d1a-7b2f-4c9e-8a6d-2f1b3c4d5e6f';
    const h = await conversationWithCaseIn(custom, harness({ config: testConfig({ cases: { resolvedStatusId: custom } }) }));

    const outcome = await syncCreatioEvent(caseUpdated(), h.deps);

    expect(outcome).toMatchObject({ kind: 'resolved', statusId: custom });
    expect(h.creatio.requestCounts().get).toBe(1);
  });

  it('does nothing the second time the same case_updated arrives', async () => {
    const h = await conversationWithCaseIn(CaseStatusIds.Resolved);

    await syncCreatioEvent(caseUpdated(), h.deps);
    h.opencx.resetRequestCounts();
    const again = await syncCreatioEvent(caseUpdated(), h.deps);

    expect(again).toEqual({ kind: 'skipped', caseId: CASE_ID, reason: 'already_resolved' });
    expect(h.opencx.updates).toHaveLength(1);
    expect(h.opencx.requestCounts()).toEqual({ get_session: 0, history: 0, send: 0, update: 0 });
  });

  it('does not send a resolution that came from OpenCX back to OpenCX', async () => {
    const h = harness();
    await knownConversation(h, 'email', { status: 'closed', resolvedBy: 'opencx' });
    h.opencx.addSession(SESSION_ID, 'email', 'closed_resolved');
    moveCaseTo(h, CaseStatusIds.Resolved);

    const outcome = await syncCreatioEvent(caseUpdated(), h.deps);

    expect(outcome).toMatchObject({ kind: 'skipped', reason: 'already_resolved' });
    expect(h.opencx.updates).toHaveLength(0);
  });

  it('leaves a conversation that OpenCX has already closed as it is, even when the bridge had not heard of it', async () => {
    const h = await conversationWithCaseIn(CaseStatusIds.Resolved);
    h.opencx.sessions.set(SESSION_ID, { status: 'closed_unresolved', channel: 'email' });

    const outcome = await syncCreatioEvent(caseUpdated(), h.deps);

    expect(outcome).toMatchObject({ kind: 'skipped', reason: 'already_resolved' });
    expect(h.opencx.updates).toHaveLength(0);
  });

  it('closes a conversation the customer reopened after an earlier OpenCX resolution', async () => {
    const h = harness();
    await knownConversation(h, 'email', { status: 'open', resolvedBy: 'opencx' });
    h.opencx.addSession(SESSION_ID, 'email');
    moveCaseTo(h, CaseStatusIds.Resolved);

    const outcome = await syncCreatioEvent(caseUpdated(), h.deps);

    expect(outcome).toMatchObject({ kind: 'resolved' });
    expect((await h.store.getSession(SESSION_ID))?.value).toMatchObject({ resolvedBy: 'creatio', status: 'closed' });
  });

  it('closes every open conversation appended to the case', async () => {
    const h = await conversationWithCaseIn(CaseStatusIds.Resolved);
    await h.store.putCase({ caseId: CASE_ID, sessionId: SECOND_SESSION_ID, sessionIds: [SESSION_ID, SECOND_SESSION_ID], channel: 'email' }, 1);
    await h.store.putSession({ sessionId: SECOND_SESSION_ID, caseId: CASE_ID, channel: 'email', status: 'open' }, 0);
    h.opencx.addSession(SECOND_SESSION_ID, 'email');

    const outcome = await syncCreatioEvent(caseUpdated(), h.deps);

    expect(outcome).toMatchObject({ kind: 'resolved', closedSessionIds: [SECOND_SESSION_ID, SESSION_ID] });
  });

  it('only notes a status that neither resolves nor closes the case', async () => {
    const h = await conversationWithCaseIn(CaseStatusIds.InProgress);

    const outcome = await syncCreatioEvent(caseUpdated(), h.deps);

    expect(outcome).toEqual({ kind: 'status_noted', caseId: CASE_ID, statusId: CaseStatusIds.InProgress });
    expect(h.opencx.requestCounts()).toEqual({ get_session: 0, history: 0, send: 0, update: 0 });
    expect((await h.store.getCase(CASE_ID))?.value.lastStatusId).toBe(CaseStatusIds.InProgress);
  });

  it('notes a case moved back out of Resolved and leaves the closed OpenCX conversation alone', async () => {
    const h = await conversationWithCaseIn(CaseStatusIds.Resolved);
    await syncCreatioEvent(caseUpdated(), h.deps);
    moveCaseTo(h, CaseStatusIds.Reopened);

    const outcome = await syncCreatioEvent(caseUpdated(CASE_ID, '2026-11-21T13:00:00.000Z'), h.deps);

    expect(outcome).toEqual({ kind: 'reopened', caseId: CASE_ID, statusId: CaseStatusIds.Reopened });
    expect(h.opencx.updates).toHaveLength(1);
    expect((await h.store.getCase(CASE_ID))?.value).toMatchObject({ lastStatusId: CaseStatusIds.Reopened, resolvedBy: undefined });
    expect(h.logs.map((l) => l.message)).toContain('case moved out of a resolved status in Creatio; the OpenCX conversation is left as it is');
  });

  it('ignores a case the bridge does not know without asking Creatio or OpenCX', async () => {
    const h = harness();

    const outcome = await syncCreatioEvent(caseUpdated(), h.deps);

    expect(outcome).toEqual({ kind: 'skipped', caseId: CASE_ID, reason: 'unknown_case' });
    expect(h.creatio.requestCounts().get).toBe(0);
    expect(h.metrics).toEqual({});
  });
});
