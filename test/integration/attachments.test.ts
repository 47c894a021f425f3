import { createHash, randomUUID } from 'node:crypto';
import { activityFileId } from '../../functions/shared/creatio/activity-files';
import { deterministicId } from '../../functions/shared/ids';
import { generatedSha256 } from '../../local/opencx-sandbox/files';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/aws-servers';
import { scriptedIo } from '../../scripts/ops/io';
import { runSessionStatus } from '../../scripts/ops/session-status';
import { targetFromLocal } from '../../scripts/ops/target';
import { repRepliesOnCase } from '../support/rep-reply';
import { settle, waitFor } from '../support/wait';
import { useLocalRuntime } from '../support/local-runtime';

const local = useLocalRuntime({ visibilityTimeoutSeconds: 2 });

type Row = Record<string, unknown>;
const MB = 1024 * 1024;
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const caseOfSession = (sessionId: string): Row | undefined =>
  local.creatio.store.list('Case').find((c) => local.creatio.store.list('Activity').some((a) => a.CaseId === c.Id && String(a.Body).includes(sessionId)));
const activitiesOf = (caseId: string): Row[] =>
  local.creatio.store
    .list('Activity')
    .filter((a) => a.CaseId === caseId)
    .sort((a, b) => String(a.StartDate).localeCompare(String(b.StartDate)));
const filesOf = (activityId: string): Row[] => local.creatio.store.list('ActivityFile').filter((f) => f.ActivityId === activityId);
const quiet = () =>
  settle(() => [
    local.creatio.store.list('Activity').length,
    local.creatio.store.list('ActivityFile').length,
    local.creatio.files.size,
    local.runtime.pollers.map((p) => ({ ...p.stats })),
  ]);

/** A customer message with attachments, handed off; resolves with the case and the activity of that message. */
const handedOff = async (channel: 'email' | 'whatsapp', text: string, attachments: { id: string; name: string; type: string; size?: number; url?: string }[]) => {
  const { session } = await local.opencx.createSession({
    channel,
    contact: channel === 'email' ? { name: 'Dana Whitfield', email: `dana.${randomUUID().slice(0, 8)}@example.org` } : { name: 'Jonas Becker', phone_number: '+4915123456789' },
  });
  const { item } = await local.opencx.addMessage(session.id, { author: 'customer', text, attachments });
  await local.opencx.handOff(session.id, { summary: 'Customer sent files.' });
  const theCase = await waitFor(() => caseOfSession(session.id), 'the case');
  const activityId = deterministicId('example', 'activity', session.id, String(item.id));
  await waitFor(() => local.creatio.store.get('Activity', activityId), 'the activity');
  return { sessionId: session.id, caseId: String(theCase.Id), activityId, messageId: String(item.id) };
};

describe('customer attachments arrive in Creatio as files on their activity', () => {
  const pdfBytes = Buffer.from(`%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n${'statement line\n'.repeat(4000)}%%EOF\n`);

  it('stores an email PDF and image with the same bytes and sizes, once under triple delivery', async () => {
    const pdf = local.opencx.hostFile({ name: 'statement-nov.pdf', type: 'application/pdf', bytes: pdfBytes });
    const image = local.opencx.hostFile({ name: 'IMG_0042.jpg', type: 'image/jpeg', size: 412_877, seed: 'img-0042' });
    const { sessionId, activityId } = await handedOff('email', 'Subject: Charged twice\n\nSee the statement and a photo of the receipt.', [
      { id: 'att_pdf', name: 'statement-nov.pdf', type: 'application/pdf', size: pdf.size, url: pdf.url },
      { id: 'att_img', name: 'IMG_0042.jpg', type: 'image/jpeg', size: image.size, url: image.url },
    ]);
    await waitFor(() => filesOf(activityId).length === 2 && [...local.creatio.files.values()].length >= 2, 'two files');
    await local.opencx.redeliver(sessionId, 'conversation.handoff_to_human', { times: 3, concurrent: true });
    await quiet();

    const files = filesOf(activityId).sort((a, b) => String(a.Name).localeCompare(String(b.Name)));
    expect(files.map((f) => [f.Name, f.Size])).toEqual([
      ['IMG_0042.jpg', 412_877],
      ['statement-nov.pdf', pdfBytes.length],
    ]);
    expect(local.creatio.files.get(String(files[1]!.Id))?.sha256).toBe(sha(pdfBytes));
    expect(local.creatio.files.get(String(files[0]!.Id))?.sha256).toBe(generatedSha256('img-0042', 412_877));
    expect(local.opencx.fileFetches(pdf.id)).toBe(1);
    expect(String(local.creatio.store.get('Activity', activityId)?.Body)).toContain(`statement-nov.pdf (application/pdf`);
  });

  it('stores a WhatsApp voice note whose upload was cut off half-way as one complete file', async () => {
    const voice = local.opencx.hostFile({ name: 'PTT-20261121-WA0007.opus', type: 'audio/ogg', size: 180_000, seed: 'ptt-7' });
    local.creatio.setUploadFaults({ afterFraction: 0.5, count: 1 });

    const { sessionId, activityId, messageId } = await handedOff('whatsapp', '', [
      { id: 'att_ptt', name: 'PTT-20261121-WA0007.opus', type: 'audio/ogg', size: 180_000, url: voice.url },
    ]);
    const fileId = activityFileId('example', sessionId, messageId, 'att_ptt');
    await waitFor(() => local.creatio.files.get(fileId)?.partial === false, 'the complete voice note', 30_000);
    await quiet();

    expect(filesOf(activityId)).toHaveLength(1);
    expect(filesOf(activityId)[0]).toMatchObject({ Name: 'PTT-20261121-WA0007.opus', Size: 180_000 });
    expect(local.creatio.files.get(fileId)?.sha256).toBe(generatedSha256('ptt-7', 180_000));
    expect(local.opencx.fileFetches(voice.id)).toBe(2);
  });

  it('keeps a 25 MB video as a link with the reason, without downloading it', async () => {
    const video = local.opencx.hostFile({ name: 'site-visit.mp4', type: 'video/mp4', size: 25 * MB, seed: 'video' });

    const { activityId } = await handedOff('email', 'Subject: Damage\n\nVideo attached.', [
      { id: 'att_vid', name: 'site-visit.mp4', type: 'video/mp4', size: 25 * MB, url: video.url },
    ]);
    await quiet();

    expect(filesOf(activityId)).toHaveLength(0);
    expect(local.opencx.fileFetches(video.id)).toBe(0);
    const body = String(local.creatio.store.get('Activity', activityId)?.Body);
    expect(body).toContain(video.url);
    expect(body).toContain('site-visit.mp4: 25 MB is over the 10 MB limit for files');
  });

  it('refuses a file that announces 25 MB only when downloading, and says so on the activity', async () => {
    const sneaky = local.opencx.hostFile({ name: 'scan.pdf', type: 'application/pdf', size: 100_000, announcedSize: 25 * MB, seed: 'scan' });

    const { activityId } = await handedOff('email', 'Subject: Scan\n\nScan attached.', [{ id: 'att_scan', name: 'scan.pdf', type: 'application/pdf', url: sneaky.url }]);
    await waitFor(() => String(local.creatio.store.get('Activity', activityId)?.Body).includes('Not stored in Creatio'), 'the reason on the activity');
    await quiet();

    expect(filesOf(activityId)).toHaveLength(0);
    expect(String(local.creatio.store.get('Activity', activityId)?.Body)).toContain('scan.pdf: larger than the 10 MB limit for files');
  });

  it('refuses a redirect to the cloud metadata endpoint or a private address, and a plain http link', async () => {
    const trap = local.opencx.hostFile({ name: 'invoice.pdf', type: 'application/pdf', redirectTo: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/' });
    const inside = local.opencx.hostFile({ name: 'payslip.pdf', type: 'application/pdf', redirectTo: 'https://10.20.30.40/internal/payslip.pdf' });

    const { activityId } = await handedOff('email', 'Subject: Invoice\n\nTwo files.', [
      { id: 'att_trap', name: 'invoice.pdf', type: 'application/pdf', size: 1000, url: trap.url },
      { id: 'att_http', name: 'terms.pdf', type: 'application/pdf', size: 1000, url: 'http://files.example.net/terms.pdf' },
      { id: 'att_inside', name: 'payslip.pdf', type: 'application/pdf', size: 1000, url: inside.url },
    ]);
    await waitFor(() => String(local.creatio.store.get('Activity', activityId)?.Body).includes('invoice.pdf:'), 'the reason on the activity');
    await quiet();

    const body = String(local.creatio.store.get('Activity', activityId)?.Body);
    expect(filesOf(activityId)).toHaveLength(0);
    expect(local.opencx.fileFetches(trap.id)).toBe(1);
    expect(body).toMatch(/invoice\.pdf: the link (is not https|points to a private or internal network address)/);
    expect(body).toContain('terms.pdf: the link is not https');
    expect(body).toContain('payslip.pdf: the link points to a private or internal network address');
  });
});

describe("a rep's files reach the customer", () => {
  it('sends a reply with two files through OpenCX with both, as base64 with names and types', async () => {
    const { sessionId, caseId } = await handedOff('email', 'Subject: Contract\n\nPlease send the contract.', []);
    await quiet();
    const replyId = repRepliesOnCase(local.creatio, { caseId, title: 'RE: Contract', html: '<p>Here are the contract and the price list.</p>' });
    const contract = Buffer.from('%PDF-1.4 contract');
    const prices = Buffer.from('item,price\nwidget,3\n');
    local.creatio.attachFile(replyId, 'contract.pdf', contract);
    local.creatio.attachFile(replyId, 'prices.csv', prices);

    const sent = await waitFor(() => local.opencx.sentMessages.find((m) => m.sessionId === sessionId && m.status === 200), 'the reply in OpenCX');

    const attachments = (sent.body as { message: { attachments?: { name: string; mime_type: string; base64?: string }[] } }).message.attachments ?? [];
    expect(attachments.map((a) => [a.name, a.mime_type, Buffer.from(a.base64 ?? '', 'base64').toString()])).toEqual([
      ['contract.pdf', 'application/pdf', contract.toString()],
      ['prices.csv', 'text/csv', prices.toString()],
    ]);
  });

  it('sends an attachment-only reply, and names a file too large to send in a note on the case', async () => {
    const { sessionId, caseId } = await handedOff('email', 'Subject: Invoice\n\nPlease send the invoice.', []);
    await quiet();
    const replyId = repRepliesOnCase(local.creatio, { caseId, title: 'RE: Invoice', html: '' });
    local.creatio.attachFile(replyId, 'invoice.pdf', Buffer.from('%PDF-1.4 invoice'));
    local.creatio.attachFile(replyId, 'site-survey.zip', Buffer.alloc(6 * MB, 1));

    const sent = await waitFor(() => local.opencx.sentMessages.find((m) => m.sessionId === sessionId && m.status === 200), 'the reply in OpenCX');
    const note = await waitFor(() => activitiesOf(caseId).find((a) => String(a.Title).includes('not sent to the customer')), 'the note on the case');

    const message = (sent.body as { message: { text: string; attachments?: { name: string }[] } }).message;
    expect(message.attachments?.map((a) => a.name)).toEqual(['invoice.pdf']);
    expect(message.text).toMatch(/^Case reference: \[SR\d+\]$/);
    expect(note.Body).toContain('- site-survey.zip: 6 MB is over the 5 MB limit for a file sent through OpenCX on email');
  });

  it('puts the case number on the OpenCX session (not to the customer) and in the email reply', async () => {
    const { sessionId, caseId } = await handedOff('email', 'Subject: Refund\n\nWhere is my refund?', []);
    await quiet();
    const caseNumber = String(local.creatio.store.get('Case', caseId)?.Number);
    repRepliesOnCase(local.creatio, { caseId, title: 'RE: Refund', html: '<p>The refund is on its way.</p>' });

    const sent = await waitFor(() => local.opencx.sentMessages.find((m) => m.sessionId === sessionId && m.status === 200), 'the reply in OpenCX');

    expect(caseNumber).toMatch(/^SR\d+$/);
    expect(local.opencx.sessions.get(sessionId)?.session.custom_data).toMatchObject({ creatio_case_number: caseNumber, creatio_case_id: caseId });
    expect((sent.body as { message: { text: string } }).message.text).toBe(`The refund is on its way.\n\nCase reference: [${caseNumber}]`);
  });
});

describe('an operator finds the case of a conversation', () => {
  it('shows the case number, link and id with ops status --session', async () => {
    const { sessionId, caseId } = await handedOff('email', 'Subject: Lost parcel\n\nMy parcel is lost.', []);
    await quiet();
    const localTarget = await targetFromLocal({
      sqsEndpoint: local.runtime.aws.sqsEndpoint,
      config: local.runtime.config,
      env: {
        CREATIO_URL: local.creatio.url,
        CREATIO_IDENTITY_URL: local.creatio.identityUrl,
        CREATIO_CLIENT_ID: local.creatio.clientId,
        CREATIO_CLIENT_SECRET: local.creatio.clientSecret,
        OPENCX_API_URL: local.opencx.url,
        OPENCX_API_KEY: local.opencx.apiKey,
      },
    });
    const target = {
      ...localTarget,
      stateTable: { tableName: local.runtime.aws.tableName, endpoint: local.runtime.aws.dynamoEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS },
    };
    const { io, lines } = scriptedIo();

    const code = await runSessionStatus(target, io, sessionId);
    localTarget.close();

    const caseNumber = String(local.creatio.store.get('Case', caseId)?.Number);
    expect(code).toBe(0);
    expect(lines.out.join('\n')).toContain(`Creatio case ${caseNumber}: https://example.creatio.com/0/Nui/ViewModule.aspx#CardModuleV2/CasePage/edit/${caseId}`);
    expect(lines.err).toEqual([]);
  });
});

describe('trying attachments by hand with npm start', () => {
  it('hosts a file through the OpenCX sandbox admin API and serves its bytes', async () => {
    const answer = await fetch(`${local.opencx.url}/__admin/files`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'hello.txt', type: 'text/plain', text: 'hello' }),
    });
    const hosted = (await answer.json()) as { url: string; size: number };

    const file = await fetch(hosted.url);

    expect(answer.status).toBe(201);
    expect(hosted.size).toBe(5);
    expect(file.headers.get('content-type')).toBe('text/plain');
    expect(await file.text()).toBe('hello');
  });
});
