import { ActivityStatusIds, ActivityTypeIds } from '../../functions/shared/creatio';
import { deterministicId } from '../../functions/shared/ids';
import { syncCreatioEvent } from '../../functions/shared/sync/to-opencx';
import { blockedReplyNote } from '../../functions/shared/sync/to-opencx/whatsapp-window';
import {
  ACTIVITY_ID,
  AGENT_CONTACT_ID,
  CASE_ID,
  NOW,
  SESSION_ID,
  harness,
  hoursBefore,
  knownConversation,
  newActivity,
  requestsMade,
  testConfig,
  type Harness,
} from './sync-to-opencx-fakes';

const NOTE_ID = deterministicId('example', 'reply-not-delivered', ACTIVITY_ID);

/** A WhatsApp conversation whose customer last wrote `hoursAgo` hours ago, with an agent reply waiting. */
const whatsappConversation = async (hoursAgo: number, h: Harness = harness()): Promise<Harness> => {
  await knownConversation(h, 'whatsapp', { historyCursor: 'cursor-7' });
  h.opencx.addSession(SESSION_ID, 'whatsapp');
  h.opencx.addMessage(SESSION_ID, 'user', 'Mein Paket ist beschädigt', hoursBefore(hoursAgo + 0.5));
  h.opencx.addMessage(SESSION_ID, 'ai', 'Das tut mir leid. Ich verbinde Sie.', hoursBefore(hoursAgo + 0.4));
  h.opencx.addMessage(SESSION_ID, 'user', 'Danke', hoursBefore(hoursAgo));
  h.creatio.addAgentEmail({ Body: 'Wir schicken Ihnen heute einen Ersatz.', IsHtmlBody: false });
  return h;
};

describe('Creatio → OpenCX: the WhatsApp 24-hour window', () => {
  it('lets a reply through while the customer wrote less than 24 hours ago, reading the history only from the last sync', async () => {
    const h = await whatsappConversation(23);

    const outcome = await syncCreatioEvent(newActivity(), h.deps);

    expect(outcome).toMatchObject({ kind: 'delivered' });
    expect(h.opencx.sent.map((s) => s.input.text)).toEqual(['Wir schicken Ihnen heute einen Ersatz.']);
    expect(h.opencx.historyReads).toEqual([{ sessionId: SESSION_ID, afterCursor: 'cursor-7' }]);
  });

  it('holds a reply back once the customer wrote more than 24 hours ago, with a note on the case saying so', async () => {
    const h = await whatsappConversation(25);

    const outcome = await syncCreatioEvent(newActivity(), h.deps);

    expect(outcome).toEqual({
      kind: 'blocked',
      caseId: CASE_ID,
      sessionId: SESSION_ID,
      activityId: ACTIVITY_ID,
      noteActivityId: NOTE_ID,
      lastCustomerMessageAt: hoursBefore(25),
      reason: 'whatsapp_window',
    });
    expect(h.opencx.sent).toHaveLength(0);
    expect(h.creatio.created).toEqual([
      expect.objectContaining({
        Id: NOTE_ID,
        CaseId: CASE_ID,
        TypeId: ActivityTypeIds.Email,
        StatusId: ActivityStatusIds.Completed,
        OwnerId: AGENT_CONTACT_ID,
        Title: 'Reply not delivered: WhatsApp 24-hour window closed',
      }),
    ]);
    expect(h.metrics).toEqual({ repliesBlocked: 1 });
    expect(requestsMade(h)).toEqual({ creatio: 3, opencx: 1 });
    expect((await h.store.getReply(ACTIVITY_ID))?.value.state).toBe('blocked');
  });

  it('marks the note as the bridge’s own activity before creating it', async () => {
    const h = await whatsappConversation(30);

    await syncCreatioEvent(newActivity(), h.deps);

    expect(h.writes).toEqual(['reply:sending', `own:${NOTE_ID}`, `creatio:create:${NOTE_ID}`, 'reply:blocked']);
    expect(await h.store.isOwnActivity(NOTE_ID)).toBe(true);
  });

  it('writes a note that says plainly when the customer last wrote, that nothing was sent, and to use a template or another channel', () => {
    const note = blockedReplyNote({
      lastCustomerMessageAt: '2026-11-20T09:30:00.000Z',
      windowHours: 24,
      now: NOW,
      sessionUrl: `https://platform.open.cx/inbox/${SESSION_ID}`,
    });

    expect(note.body).toContain('Your reply on this case was NOT sent to the customer.');
    expect(note.body).toContain("The customer's last WhatsApp message was at 2026-11-20 09:30 UTC, 26 hours before this reply.");
    expect(note.body).toContain(`approved WhatsApp template message from OpenCX: https://platform.open.cx/inbox/${SESSION_ID}`);
    expect(note.body).toContain('another channel (email or phone)');
  });

  it('does not reconsider a blocked reply when the business process calls again', async () => {
    const h = await whatsappConversation(25);

    await syncCreatioEvent(newActivity(), h.deps);
    const again = await syncCreatioEvent(newActivity(), h.deps);

    expect(again).toMatchObject({ kind: 'skipped', reason: 'already_blocked' });
    expect(h.creatio.created).toHaveLength(1);
  });

  it('uses the stored time of the customer’s last message when the history read from the cursor has none', async () => {
    const h = harness();
    await knownConversation(h, 'whatsapp', { historyCursor: 'cursor-9', lastCustomerMessageAt: hoursBefore(2) });
    h.opencx.addSession(SESSION_ID, 'whatsapp');
    h.creatio.addAgentEmail({ Body: 'Done.', IsHtmlBody: false });

    const outcome = await syncCreatioEvent(newActivity(), h.deps);

    expect(outcome).toMatchObject({ kind: 'delivered' });
  });

  it('holds a reply back when no customer message can be found at all', async () => {
    const h = harness();
    await knownConversation(h, 'whatsapp');
    h.opencx.addSession(SESSION_ID, 'whatsapp');
    h.creatio.addAgentEmail({ Body: 'Hello?', IsHtmlBody: false });

    const outcome = await syncCreatioEvent(newActivity(), h.deps);

    expect(outcome).toMatchObject({ kind: 'blocked', lastCustomerMessageAt: undefined });
    expect(h.creatio.created[0]?.Body).toContain('No message from the customer could be found');
  });

  it('follows the window length of the tenant configuration', async () => {
    const h = await whatsappConversation(25, harness({ config: testConfig({ agentReplies: { whatsappWindowHours: 48 } }) }));

    const outcome = await syncCreatioEvent(newActivity(), h.deps);

    expect(outcome).toMatchObject({ kind: 'delivered' });
  });

  it('does not apply to email: a reply weeks later is still sent, without reading the history', async () => {
    const h = harness();
    await knownConversation(h, 'email', { lastCustomerMessageAt: hoursBefore(24 * 21) });
    h.opencx.addSession(SESSION_ID, 'email');
    h.creatio.addAgentEmail();

    const outcome = await syncCreatioEvent(newActivity(), h.deps);

    expect(outcome).toMatchObject({ kind: 'delivered' });
    expect(h.opencx.requestCounts().history).toBe(0);
  });
});
