
import EmailReplyParser from 'email-reply-parser';
import { normaliseHistory, type OpenCxMessage } from '../../functions/shared/opencx';
import {
  formatBytes,
  splitSubjectLine,
  subjectFor,
  toE164,
  trimQuotedReply,
} from '../../functions/shared/sync/render';
import emailHistory from '../fixtures/opencx/history-email.json';
import whatsappHistory from '../fixtures/opencx/history-whatsapp.json';

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

describe('trimQuotedReply', () => {
  it('relies on email-reply-parser for the Gmail and Outlook quotes of the email example', () => {
    const parser = new EmailReplyParser();

    expect(parser.parseReply(emailText('msg_03')).trim()).toBe("It's 4417. Can someone just fix this?");
    expect(parser.parseReply(emailText('msg_04')).trim()).toBe('Also my colleague wrote to you last week.');
  });

  it('cuts an Outlook header block whose From line has no address in angle brackets', () => {
    const text = 'Thanks!\n\nFrom: Support\nSent: Thursday, November 13, 2026 9:12 AM\nTo: Dana\nSubject: RE: x\n\nold text';

    expect(trimQuotedReply(text)).toBe('Thanks!');
  });

  it('cuts at an "-----Original Message-----" separator', () => {
    expect(trimQuotedReply('Fine by me.\n\n-----Original Message-----\nFrom: Support\n\nold')).toBe('Fine by me.');
  });

  it('cuts a Gmail header that wraps over two lines', () => {
    const text = 'Sure.\n\nOn Thu, Nov 20, 2026 at 1:51 PM Support Assistant\n<support@example.com> wrote:\n> old';

    expect(trimQuotedReply(text)).toBe('Sure.');
  });

  it('keeps a message whole when it is nothing but a quote, rather than writing an empty activity', () => {
    const text = 'On Thu, Nov 20, 2026 at 1:51 PM Support <support@example.com> wrote:\n> only old text';

    expect(trimQuotedReply(text)).toContain('only old text');
  });

  it('leaves a plain email without quotes untouched apart from trailing blanks', () => {
    expect(trimQuotedReply('Hello,\n\nplease call me back.\n\nThanks,\nDana\n\n')).toBe('Hello,\n\nplease call me back.\n\nThanks,\nDana');
  });

  it('handles a long email quickly by skipping the library above its safe input size', () => {
    const long = `${'word '.repeat(10_000)}\n\nOn Thu, Nov 20, 2026 at 1:51 PM Support <s@example.com> wrote:\n> old`;
    const started = Date.now();

    const trimmed = trimQuotedReply(long);

    expect(trimmed.endsWith('word')).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
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
    expect([formatBytes(1), formatBytes(900), formatBytes(412877), formatBytes(5 * 1024 * 1024 + 300_000)]).toEqual([
      '1 byte',
      '900 bytes',
      '403 KB',
      '5.3 MB',
    ]);
  });
});
