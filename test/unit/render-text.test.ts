import { ActivityTypeIds, EmailMessageTypeIds, type ActivityRecord } from '../../functions/shared/creatio';
import { normaliseHistory, type OpenCxMessage } from '../../functions/shared/opencx';
import {
  capText,
  cutQuotedText,
  formatBytes,
  MAX_ACTIVITY_BODY,
  MAX_WHATSAPP_TEXT,
  newText,
  ONLY_QUOTE_NOTE,
  renderActivity,
  splitSubjectLine,
  subjectFor,
  toE164,
  type WorkCounter,
} from '../../functions/shared/sync/render';
import { replyText } from '../../functions/shared/sync/to-opencx';
import emailHistory from '../../local/opencx-sandbox/seeds/history-email.json';
import whatsappHistory from '../../local/opencx-sandbox/seeds/history-whatsapp.json';

const emailText = (id: string): string => emailHistory.items.find((i) => i.id === id)!.event.content.text;

const customerMessage = (text: string, extra: Partial<OpenCxMessage> = {}): OpenCxMessage => ({
  id: `m-${text.length}`,
  createdAt: '2026-11-20T10:00:00.000Z',
  kind: 'message',
  author: 'customer',
  text,
  format: 'text',
  eventType: 'message',
  attachments: [],
  ...extra,
});

const repEmail = (body: string, isHtml: boolean): ActivityRecord =>
  ({
    Id: '0b6c9d7e-1a2b-4c3d-8e9f-00112233aa02',
    Title: 'RE: Charged twice',
    Body: body,
    IsHtmlBody: isHtml,
    TypeId: ActivityTypeIds.Email,
    MessageTypeId: EmailMessageTypeIds.Outgoing,
  }) as ActivityRecord;

const emailNew = (text: string): string => newText(text, { email: true, html: false }).text;

describe('plain-text email: the new words above the quoted thread', () => {
  it('cuts the Gmail and Outlook quotes of the email example', () => {
    expect(emailNew(emailText('msg_03'))).toBe("It's 4417. Can someone just fix this?");
    expect(emailNew(emailText('msg_04'))).toBe('Also my colleague wrote to you last week.');
  });

  it('cuts an Outlook header block whose From line has no address in angle brackets', () => {
    const text = 'Thanks!\n\nFrom: Support\nSent: Thursday, November 13, 2026 9:12 AM\nTo: Dana\nSubject: RE: x\n\nold text';

    expect(emailNew(text)).toBe('Thanks!');
  });

  it('cuts at an "-----Original Message-----" separator', () => {
    expect(emailNew('Fine by me.\n\n-----Original Message-----\nFrom: Support\n\nold')).toBe('Fine by me.');
  });

  it('cuts a Gmail header that wraps over two lines', () => {
    const text = 'Sure.\n\nOn Thu, Nov 20, 2026 at 1:51 PM Support Assistant\n<support@example.com> wrote:\n> old';

    expect(emailNew(text)).toBe('Sure.');
  });

  it('cuts nested ">>" quotes and a trailing quote without a header', () => {
    expect(emailNew('Yes please.\n\n> Shall we send a new one?\n>> It arrived broken.\n>\n> Support')).toBe('Yes please.');
  });

  it("keeps a bottom-posted reply below a quote (Thunderbird's default) and drops only the quote", () => {
    const text = 'On 20/11/2026 13:51, Support wrote:\n> Which version are you running?\n\nVersion 128.4.2esr.\n\nJan';

    expect(emailNew(text)).toBe('Version 128.4.2esr.\n\nJan');
  });

  it('keeps inline answers between quoted lines', () => {
    const text = '> Which version?\n128.4.2\n> Which system?\nDebian 12';

    expect(emailNew(text)).toBe(text);
  });

  it('keeps the signature and drops a mobile footer', () => {
    expect(emailNew('Hello,\n\nplease call me back.\n\nThanks,\nDana\n\nSent from my iPhone\n\n')).toBe('Hello,\n\nplease call me back.\n\nThanks,\nDana');
    expect(emailNew('Danke!\n\n-- \nJonas Becker\nBecker GmbH\n\nVon meinem iPhone gesendet')).toBe('Danke!\n\n--\nJonas Becker\nBecker GmbH');
  });

  it('does not take an ordinary sentence ending in a colon for a reply header', () => {
    const text = 'On Monday I tried the following:\n1. restart\n2. reset';

    expect(emailNew(text)).toBe(text);
  });

  it('keeps a booking request whose lines look like header fields (From:/To:/Date:) but are not a mail header', () => {
    const text = 'Please change my booking.\n\nFrom: London\nTo: Paris\nDate: 3 December\n\nThanks, Dana';

    expect(emailNew(text)).toBe(text);
  });

  it('turns a forward without new words into a short note in Creatio and sends nothing to the customer', () => {
    const forward = '---------- Forwarded message ---------\nFrom: Shop <shop@example.net>\nDate: Thu, Nov 20, 2026 at 9:00 AM\nSubject: Your order\n\nOrder 48213 confirmed.';

    expect(newText(forward, { email: true })).toEqual({ text: '', quoted: true, onlyQuote: true });
    expect(renderActivity(customerMessage(forward), { channel: 'email', isFirst: false, sessionUrl: '' }).body).toBe(ONLY_QUOTE_NOTE);
    expect(replyText(repEmail(forward, false), 'email')).toBe('');
  });

  it('leaves chat messages alone apart from whitespace', () => {
    const chat = '  My note says:\n> do not bend\n\n\n\nOn Mon, 3 Nov 2026 you wrote:\n> ok  \n';

    expect(newText(chat, { email: false }).text).toBe('My note says:\n> do not bend\n\nOn Mon, 3 Nov 2026 you wrote:\n> ok');
  });
});

/** A reply above `bytes` of quoted thread, in the shape that made the old trim quadratic (quote lines, then text below). */
const quotedThread = (bytes: number): string => `Thanks, Dana\n\n${'> ok\n'.repeat(Math.ceil(bytes / 5))}\nPS: see above`;
const htmlThread = (bytes: number): string => `<p>Thanks, Dana</p><blockquote type="cite">${'<div>Old line of the thread</div>'.repeat(Math.ceil(bytes / 32))}</blockquote>`;

const stepsFor = (text: string): number => {
  const counter: WorkCounter = { steps: 0 };
  newText(text, { email: true, counter });
  return counter.steps;
};

describe('size: linear work, no cliff', () => {
  it('does twice the work for 1 MB of quoted plain text as for 512 KB', () => {
    const half = stepsFor(quotedThread(512 * 1024));
    const full = stepsFor(quotedThread(1024 * 1024));

    expect(full / half).toBeGreaterThan(1.9);
    expect(full / half).toBeLessThan(2.1);
  });

  it('does twice the work for 1 MB of quoted HTML as for 512 KB', () => {
    const half = stepsFor(htmlThread(512 * 1024));
    const full = stepsFor(htmlThread(1024 * 1024));

    expect(full / half).toBeGreaterThan(1.9);
    expect(full / half).toBeLessThan(2.1);
  });

  it('finds the new words above 1 MB of quote as well as above 1 KB', () => {
    expect(cutQuotedText(`Thanks, Dana\n\nOn Thu, Nov 20, 2026 at 1:51 PM Support <s@example.com> wrote:\n${'> ok\n'.repeat(200_000)}`).text).toBe('Thanks, Dana');
    expect(newText(htmlThread(1024 * 1024), { email: true }).text).toBe('Thanks, Dana');
  });

  it('sends only the words above a 23 KB Creatio reply with a 1,500-line blockquote under "Kind regards"', () => {
    const quoted = Array.from({ length: 1500 }, (_, i) => `Earlier line ${String(i).padStart(4, '0')}<br>`).join('\n');
    const body = `<p>Hi Dana,</p><p>we have refunded the second charge.</p><p>Kind regards<br>Alex, Support</p><blockquote style="border-left:1px solid #ccc;padding-left:8px">${quoted}</blockquote><p>&nbsp;</p>`;

    expect(body.length).toBeGreaterThan(23_000);
    expect(replyText(repEmail(body, true), 'whatsapp')).toBe('Hi Dana,\n\nwe have refunded the second charge.\n\nKind regards\nAlex, Support');
  });
});

describe('limits: never cut silently', () => {
  it('caps a WhatsApp reply at 4096 characters and says how much is missing', () => {
    const long = `${'Lorem ipsum dolor sit amet. '.repeat(200)}`.trim();

    const sent = replyText(repEmail(long, false), 'whatsapp');

    expect(sent.length).toBeLessThanOrEqual(MAX_WHATSAPP_TEXT);
    const missing = Number(/\[truncated: (\d+) more characters\]$/.exec(sent)?.[1]);
    expect(long.startsWith(sent.slice(0, sent.indexOf('\n\n[truncated')))).toBe(true);
    expect(sent.indexOf('\n\n[truncated') + missing).toBe(long.length);
  });

  it('caps a huge activity body but keeps the session link whole, on its own paragraph', () => {
    const url = 'https://dashboard.open.cx/sessions/s1';
    const body = renderActivity(customerMessage('word '.repeat(40_000)), { channel: 'whatsapp', isFirst: true, sessionUrl: url }).body;

    expect(body.length).toBeLessThanOrEqual(MAX_ACTIVITY_BODY);
    expect(body).toMatch(/\[truncated: \d+ more characters\]\n\nView session in OpenCX: https:\/\/dashboard\.open\.cx\/sessions\/s1$/);
  });

  it('never splits an emoji when cutting', () => {
    const capped = capText('😀'.repeat(100), 90);

    expect(capped).toMatch(/^(?:😀)+\n\n\[truncated: \d+ more characters\]$/);
    expect(capped.length).toBeLessThanOrEqual(90);
  });

  it('leaves text within the limit untouched', () => {
    expect(capText('short', 10)).toBe('short');
  });
});

describe('splitSubjectLine', () => {
  it('splits a leading Subject line from the text that follows it', () => {
    expect(splitSubjectLine(emailText('msg_01'))).toEqual({
      subject: 'Charged twice for order 48213',
      rest: 'Hello,\n\nI was charged twice for my order 48213 (see attached statement). Please refund the second charge.\n\nThanks,\nDana',
    });
  });

  it('leaves a text without a Subject line as it is', () => {
    expect(splitSubjectLine('Hello')).toEqual({ rest: 'Hello' });
  });
});

describe('subjectFor', () => {
  it('uses the email subject of the first customer message', () => {
    expect(subjectFor(normaliseHistory(emailHistory.items), 'email')).toBe('Charged twice for order 48213');
  });

  it('uses the first customer message for a WhatsApp conversation', () => {
    expect(subjectFor(normaliseHistory(whatsappHistory.items), 'whatsapp')).toBe('Hallo, mein Paket ist beschädigt angekommen 😕');
  });

  it('uses the first customer message of an email without a Subject line, quotes trimmed', () => {
    const messages = [customerMessage('Where is my parcel?\n\nOn Mon, Nov 17, 2026 at 9:00 AM Shop <s@example.com> wrote:\n> Shipped!')];

    expect(subjectFor(messages, 'email')).toBe('Where is my parcel?');
  });

  it('shortens a long first message at a word boundary, with an ellipsis, to the requested length', () => {
    const messages = [customerMessage(`${'refund '.repeat(40)}please`)];

    const subject = subjectFor(messages, 'web', { maxLength: 60 });

    expect(Array.from(subject).length).toBeLessThanOrEqual(60);
    expect(subject.endsWith('refund…')).toBe(true);
  });

  it('never returns more than 500 characters, even for a very long email subject', () => {
    const messages = [customerMessage(`Subject: ${'x'.repeat(800)}\n\nbody`)];

    expect(Array.from(subjectFor(messages, 'email')).length).toBeLessThanOrEqual(500);
  });

  it('describes what the customer sent when the first message is only an attachment', () => {
    const messages = normaliseHistory(whatsappHistory.items).slice(1);

    expect(subjectFor(messages, 'whatsapp')).toBe('Sent an image: IMG-20261121-WA0003.jpg (403 KB)');
  });

  it('falls back to the channel when the customer wrote nothing', () => {
    expect(subjectFor([], 'web')).toBe('Web chat conversation');
  });
});

describe('toE164', () => {
  it('normalises an international number with spaces', () => {
    expect(toE164('+49 151 2345 6789')).toBe('+4915123456789');
  });

  it('normalises a national number with a default country', () => {
    expect(toE164('0151 23456789', 'DE')).toBe('+4915123456789');
    expect(toE164('(415) 555-2671', 'US')).toBe('+14155552671');
  });

  it('accepts whatsapp: prefixes and a 00 international prefix', () => {
    expect(toE164('whatsapp:+4915123456789')).toBe('+4915123456789');
    expect(toE164('004915123456789')).toBe('+4915123456789');
  });

  it('returns undefined for numbers it cannot parse as valid', () => {
    expect(toE164('12')).toBeUndefined();
    expect(toE164('n/a')).toBeUndefined();
    expect(toE164('0151 23456789')).toBeUndefined();
    expect(toE164(null)).toBeUndefined();
  });
});

describe('formatBytes', () => {
  it('shows sizes the way file managers do', () => {
    expect([formatBytes(1), formatBytes(900), formatBytes(412877), formatBytes(5 * 1024 * 1024 + 300_000)]).toEqual(['1 byte', '900 bytes', '403 KB', '5.3 MB']);
  });
});
