/**
 * The new words of real replies from each common mail client, in both directions: a customer's
 * email written into Creatio as an activity, and a rep's Creatio email sent to the customer.
 * Fixtures in test/fixtures/mail/ follow each client's own reply markup.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ActivityTypeIds, EmailMessageTypeIds, type ActivityRecord } from '../../functions/shared/creatio';
import type { OpenCxMessage } from '../../functions/shared/opencx';
import { ONLY_QUOTE_NOTE, renderActivity, type RenderContext } from '../../functions/shared/sync/render';
import { replyText } from '../../functions/shared/sync/to-opencx';
import quoteHeaders from '../fixtures/mail/quote-headers.json';

const MAIL = path.join(__dirname, '../fixtures/mail');
const fixture = (name: string): string => fs.readFileSync(path.join(MAIL, name), 'utf8');

const context: RenderContext = {
  channel: 'email',
  isFirst: false,
  sessionUrl: 'https://dashboard.open.cx/sessions/6f1d8a52-3b7e-4c1a-9d2e-0a4b5c6d7e8f',
  customerName: 'Dana Whitfield',
  customerAddress: 'dana@example.org',
};

const customerEmail = (text: string, format: 'text' | 'html'): OpenCxMessage => ({
  id: 'msg_mail',
  createdAt: '2026-11-20T13:55:00.000Z',
  kind: 'message',
  author: 'customer',
  text,
  format,
  eventType: 'message',
  attachments: [],
});

const repEmail = (body: string, isHtml: boolean): ActivityRecord =>
  ({
    Id: '0b6c9d7e-1a2b-4c3d-8e9f-00112233aa01',
    Title: 'RE: your case',
    Body: body,
    IsHtmlBody: isHtml,
    TypeId: ActivityTypeIds.Email,
    MessageTypeId: EmailMessageTypeIds.Outgoing,
  }) as ActivityRecord;

/** What a rep reads in Creatio for a customer's email, and what a customer receives for the same email sent by a rep. */
const bothDirections = (body: string, format: 'text' | 'html') => ({
  intoCreatio: renderActivity(customerEmail(body, format), context).body,
  toCustomer: replyText(repEmail(body, format === 'html'), 'email'),
});

const CLIENTS: readonly [client: string, file: string, newText: string][] = [
  [
    'Gmail (gmail_quote container, gmail_attr line, signature kept)',
    'gmail.html',
    'Hi Support,\n\nthe replacement arrived today, thank you. The tracking link was this one (https://track.example.net/p/48213).\n\nBest,\nDana\n\n--\nDana Whitfield | Whitfield Design\n+1 415 555 2671',
  ],
  [
    'Outlook 2007/2010 (border-top #B5C4DF header div, MsoNormal lines)',
    'outlook-2010.html',
    'Hello,\n\nThe invoice number is 2026-0117. Please send the credit note to our accounts team.\n\nKind regards\nHenry Cole\nAccounts, Cole & Partners Ltd',
  ],
  [
    'Outlook 2016/365 desktop (border-top #E1E1E1 header div)',
    'outlook-365-desktop.html',
    'Hi,\n\nthe router still drops the connection every evening around 8 pm.\nI have attached the log from yesterday.\n\nThanks,\nAlex',
  ],
  ['Outlook 2003 (hr + From:/Sent: block)', 'outlook-2003.html', 'Yes, Tuesday at 10 works for us.\n\nMartin'],
  ['Outlook.com / Outlook on the web (#appendonsend, hr, #divRplyFwdMsg)', 'outlook-com.html', 'Hello,\n\nI still have not received the refund for order 48213.\n\nPriya'],
  ['Hotmail (hr#stopSpelling + Date:/Subject:/From: block)', 'hotmail-legacy.html', 'Hello, the parcel is still missing.\n\nRegards,\nSam'],
  ['Outlook for Mac (OLK_SRC_BODY_SECTION)', 'outlook-mac.html', 'Hi,\n\nthe meeting room is booked for Friday.\n\nChris'],
  ['Apple Mail on macOS (blockquote type=cite with the attribution inside)', 'apple-mail-macos.html', 'Hi,\n\nthe serial number is C02XK1ABJG5H.\n\nThanks\nLena'],
  ['Apple Mail on iOS ("Sent from my iPhone" dropped)', 'apple-mail-ios.html', 'Great, thank you!\n\nTom'],
  [
    'Thunderbird, reply below the quote (its default): the reply and signature stay',
    'thunderbird-bottom-post.html',
    'Version 128.4.2esr (64-bit), on Debian 12.\n\nThe error appears right after start-up.\n\n--\nJan Novak\nNovak Software s.r.o.',
  ],
  ['Thunderbird, reply above the quote (moz-cite-prefix, German)', 'thunderbird-top-post.html', 'Hello,\n\nplease cancel the order, we no longer need it.\n\nJan'],
  ['Yahoo Mail (yahoo_quoted; the "Sent from Yahoo Mail for iPhone" footer dropped)', 'yahoo.html', 'Hi, my new address is 12 Harbour Road, Leith.\n\nMorag'],
  ['Mail.ru (Russian "… от Name <address>:" line above a plain blockquote)', 'mail-ru.html', 'Здравствуйте, заказ получен, спасибо.\n\nС уважением,\nИрина'],
  ['Windows Mail (Russian От:/Отправлено:/Кому: block in a top-bordered div)', 'windows-mail.html', 'Добрый день, счёт оплачен.\n\nСпасибо,\nОлег'],
];

describe('new text of HTML replies from each mail client, both directions', () => {
  it.each(CLIENTS)('%s', (_client, file, expected) => {
    const { intoCreatio, toCustomer } = bothDirections(fixture(file), 'html');

    expect(intoCreatio).toBe(expected);
    expect(toCustomer).toBe(expected);
  });
});

type Language = (typeof quoteHeaders.languages)[number];
const escapeHtml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const htmlLines = (text: string): string =>
  text
    .split('\n')
    .map((line) => (line === '' ? '<div><br></div>' : `<div>${escapeHtml(line)}</div>`))
    .join('');

/** Each language's headers in the forms clients write them, as plain text and as HTML without any client class or id. */
const forms = (l: Language): [form: string, body: string, format: 'text' | 'html'][] => [
  ['attribution + "> " quote, plain text', `${l.reply}\n\n${l.attribution}\n> Old message, first line.\n> Old message, second line.\n`, 'text'],
  ['Outlook header block under a rule, plain text', `${l.reply}\n\n________________________________\n${l.outlookHeader.join('\n')}\n\nOld message.`, 'text'],
  ['Original Message separator, plain text', `${l.reply}\n\n${l.separator}\n${l.outlookHeader.join('\n')}\n\nOld message.`, 'text'],
  [
    'attribution above a plain blockquote, HTML',
    `${htmlLines(l.reply)}<div><br></div><div>${escapeHtml(l.attribution)}<br></div><blockquote style="margin:0 0 0 .8ex">Old message.</blockquote>`,
    'html',
  ],
  [
    'Outlook header paragraphs without a separator div, HTML',
    `${l.reply
      .split('\n')
      .map((line) => `<p class="MsoNormal">${line === '' ? '&nbsp;' : escapeHtml(line)}</p>`)
      .join('')}<p class="MsoNormal">&nbsp;</p><p class="MsoNormal">${l.outlookHeader
      .map((h) => {
        const [field, ...value] = h.split(':');
        return `<b>${escapeHtml(field!)}:</b>${escapeHtml(value.join(':'))}`;
      })
      .join('<br>')}</p><p class="MsoNormal">&nbsp;</p><p class="MsoNormal">Old message.</p>`,
    'html',
  ],
];

describe('reply headers in eight languages, both directions', () => {
  const cases = quoteHeaders.languages.flatMap((l) => forms(l).map(([form, body, format]) => [l.language, form, body, format, l.reply] as const));

  it.each(cases)('%s: %s', (_language, _form, body, format, expected) => {
    const { intoCreatio, toCustomer } = bothDirections(body, format);

    expect(intoCreatio).toBe(expected);
    expect(toCustomer).toBe(expected);
  });
});

describe('HTML quotes: what stays', () => {
  it('keeps a passage the writer quoted on purpose in the middle of new text', () => {
    const body = '<p>Please see the clause:</p><blockquote>Returns within 30 days.</blockquote><p>Does it apply to me?</p>';

    expect(bothDirections(body, 'html')).toEqual({
      intoCreatio: 'Please see the clause:\n\n> Returns within 30 days.\n\nDoes it apply to me?',
      toCustomer: 'Please see the clause:\n\n> Returns within 30 days.\n\nDoes it apply to me?',
    });
  });

  it('keeps the signature line that shares a block with the "On … wrote:" line, and a postscript below the quote', () => {
    const body = '<div>Best, Dana<br>On Thu, Nov 20, 2026 at 1:51 PM Support &lt;s@example.com&gt; wrote:</div><blockquote>old</blockquote><div>PS: one more thing</div>';

    expect(bothDirections(body, 'html')).toEqual({ intoCreatio: 'Best, Dana\nPS: one more thing', toCustomer: 'Best, Dana\nPS: one more thing' });
  });

  it('keeps the words above a Gmail forward and makes a bare forward a note in Creatio, nothing to the customer', () => {
    const forward =
      '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">---------- Forwarded message ---------<br>From: Shop &lt;shop@example.net&gt;<br>Date: Thu, Nov 20, 2026</div><br><div>Order 48213 confirmed.</div></div>';

    expect(bothDirections(`<div>FYI, the confirmation.</div>${forward}`, 'html')).toEqual({
      intoCreatio: 'FYI, the confirmation.',
      toCustomer: 'FYI, the confirmation.',
    });
    expect(bothDirections(forward, 'html')).toEqual({ intoCreatio: ONLY_QUOTE_NOTE, toCustomer: '' });
  });
});

describe('HTML quotes: Outlook on the web prefixes', () => {
  it('recognises the x_-prefixed reply header and MsoNormal lines Outlook on the web writes, whatever the header language', () => {
    const body =
      '<div><p class="x_MsoNormal">Hello,</p><p class="x_MsoNormal">the invoice is attached.</p></div><div id="x_divRplyFwdMsg"><b>差出人:</b> Support<br><b>送信日時:</b> 2026年11月20日 13:51</div><div>古いメッセージ</div>';

    expect(bothDirections(body, 'html')).toEqual({ intoCreatio: 'Hello,\nthe invoice is attached.', toCustomer: 'Hello,\nthe invoice is attached.' });
  });
});
