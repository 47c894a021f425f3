import { caseCustomData, withCaseReference } from '../../functions/shared/sync/to-opencx/case-reference';
import { planCustomerFiles, type CustomerFilePolicy } from '../../functions/shared/sync/attachments/customer-files';
import { checkReplyFile, mimeTypeFor, unsentFilesNote } from '../../functions/shared/sync/to-opencx/reply-attachments';

const policy: CustomerFilePolicy = { maxFileBytes: 10 * 1024 * 1024, allowedHosts: [], downloadTimeoutMs: 5000, allowLoopbackHttp: false };
const context = { tenant: 'example', sessionId: 'session-1', policy };
const attachment = (over: Record<string, unknown>) => ({
  id: 'a1',
  name: 'statement.pdf',
  type: 'application/pdf',
  size: 1000,
  url: 'https://files.open.cx/a1/statement.pdf',
  ...over,
});

describe('which customer attachments become Creatio files', () => {
  it('uploads an https attachment under the limit, with a stable file id', () => {
    const first = planCustomerFiles({ id: 'm1', attachments: [attachment({})] }, context);
    const again = planCustomerFiles({ id: 'm1', attachments: [attachment({})] }, context);

    expect(first.files[0]).toMatchObject({ action: 'upload' });
    expect(first.files[0]).toEqual(again.files[0]);
    expect(first.notes).toBe('');
  });

  it('keeps a 25 MB file as a link and says why', () => {
    const plan = planCustomerFiles({ id: 'm1', attachments: [attachment({ name: 'video.mp4', size: 25 * 1024 * 1024 })] }, context);

    expect(plan.files[0]).toMatchObject({ action: 'link' });
    expect(plan.notes).toContain('video.mp4: 25 MB is over the 10 MB limit for files');
  });

  it('keeps http links, metadata addresses and hosts off the allow-list as links', () => {
    const plan = planCustomerFiles(
      {
        id: 'm1',
        attachments: [
          attachment({ id: 'a', name: 'a.pdf', url: 'http://files.example.net/a.pdf' }),
          attachment({ id: 'b', name: 'b.pdf', url: 'https://169.254.169.254/latest/meta-data' }),
          attachment({ id: 'c', name: 'c.pdf', url: 'https://elsewhere.example/c.pdf' }),
          attachment({ id: 'd', name: 'd.pdf', url: undefined }),
        ],
      },
      { ...context, policy: { ...policy, allowedHosts: ['*.open.cx', '169.254.169.254'] } },
    );

    expect(plan.files.map((f) => f.action)).toEqual(['link', 'link', 'link', 'link']);
    expect(plan.notes).toMatch(/a\.pdf: the link is not https/);
    expect(plan.notes).toMatch(/b\.pdf: the link points to a private or internal network address/);
    expect(plan.notes).toMatch(/c\.pdf: the link's host is not on the tenant's allowed list/);
    expect(plan.notes).toMatch(/d\.pdf: OpenCX gave no download link/);
  });
});

describe('which rep files can go out on a channel', () => {
  it('sends a PDF and a JPEG on WhatsApp, but not a ZIP or an 8 MB photo', () => {
    expect(checkReplyFile({ name: 'invoice.pdf', size: 200_000 }, 'whatsapp')).toEqual({ ok: true, mimeType: 'application/pdf' });
    expect(checkReplyFile({ name: 'photo.JPG', size: 200_000 }, 'whatsapp')).toEqual({ ok: true, mimeType: 'image/jpeg' });
    expect(checkReplyFile({ name: 'logs.zip', size: 200_000 }, 'whatsapp')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/WhatsApp does not deliver application\/zip/),
    });
    expect(checkReplyFile({ name: 'big.png', size: 8 * 1024 * 1024 }, 'whatsapp')).toMatchObject({ ok: false, reason: expect.stringMatching(/8 MB is over the 5 MB limit/) });
  });

  it('sends any type by email, within what OpenCX takes', () => {
    expect(checkReplyFile({ name: 'logs.zip', size: 1_000_000 }, 'email')).toMatchObject({ ok: true });
    expect(checkReplyFile({ name: 'logs.zip', size: 7 * 1024 * 1024 }, 'email')).toMatchObject({ ok: false });
  });

  it('takes the MIME type from the name, and names unsent files in the note', () => {
    expect(mimeTypeFor('voice.opus')).toBe('audio/ogg');
    expect(mimeTypeFor('README')).toBe('application/octet-stream');
    expect(unsentFilesNote([{ name: 'logs.zip', reason: 'too big' }], true).body).toContain('- logs.zip: too big');
  });
});

describe('the case number travels with replies', () => {
  it('ends an email reply with the case token once, and leaves WhatsApp replies alone', () => {
    expect(withCaseReference('We refunded you.', 'SR00001234', 'email')).toBe('We refunded you.\n\nCase reference: [SR00001234]');
    expect(withCaseReference('Re [SR00001234]: done', 'SR00001234', 'email')).toBe('Re [SR00001234]: done');
    expect(withCaseReference('Erledigt.', 'SR00001234', 'whatsapp')).toBe('Erledigt.');
  });

  it('writes flat session attributes with the case number, id and link', () => {
    expect(caseCustomData({ caseId: 'c1', caseNumber: 'SR00001234', instanceUrl: 'https://acme.creatio.com' })).toEqual({
      creatio_case_id: 'c1',
      creatio_case_number: 'SR00001234',
      creatio_case_url: 'https://acme.creatio.com/0/Nui/ViewModule.aspx#CardModuleV2/CasePage/edit/c1',
    });
  });
});
