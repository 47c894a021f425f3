/**
 * Text clean-up for message bodies: HTML → readable text, the "Subject:" line OpenCX puts at the
 * top of an email, and quoted earlier messages in email replies.
 */
import EmailReplyParser from 'email-reply-parser';
import { compile, type HtmlToTextOptions } from 'html-to-text';

const HTML_OPTIONS: HtmlToTextOptions = {
  wordwrap: false,
  selectors: [
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
    { selector: 'img', format: 'skip' },
    { selector: 'style', format: 'skip' },
    { selector: 'script', format: 'skip' },
    { selector: 'h1', options: { uppercase: false } },
    { selector: 'h2', options: { uppercase: false } },
    { selector: 'h3', options: { uppercase: false } },
    { selector: 'h4', options: { uppercase: false } },
    { selector: 'h5', options: { uppercase: false } },
    { selector: 'h6', options: { uppercase: false } },
    { selector: 'table', options: { uppercaseHeaderCells: false } },
  ],
};

const htmlConverter = compile(HTML_OPTIONS);

const HTML_TAG = /<\/?(?:html|head|body|div|p|br|span|table|tr|td|th|blockquote|a|b|i|u|strong|em|ul|ol|li|h[1-6]|img|font|hr|pre)\b[^>]*>/i;

/** True when a text is (probably) HTML rather than plain text that mentions a `<` here and there. */
export const looksLikeHtml = (text: string): boolean => HTML_TAG.test(text);

/** HTML → plain text a rep can read: paragraphs and line breaks kept, links as "text [url]", images dropped. */
export const htmlToPlainText = (html: string): string => htmlConverter(html).trim();

const normaliseNewlines = (text: string): string => text.replace(/\r\n?/g, '\n');

const SUBJECT_LINE = /^\s*Subject:[ \t]*([^\n]*)(?:\n|$)/i;

/**
 * OpenCX's email channel puts the email subject as a first line "Subject: ..." into the message
 * text (shared/examples/opencx-history-email.json). Split it off.
 */
export const splitSubjectLine = (text: string): { subject?: string; rest: string } => {
  const normalised = normaliseNewlines(text);
  const match = SUBJECT_LINE.exec(normalised);
  if (!match) return { rest: normalised };
  const subject = (match[1] ?? '').replace(/\s+/g, ' ').trim();
  const rest = normalised.slice(match[0].length).replace(/^\s*\n/, '');
  return subject === '' ? { rest } : { subject, rest };
};

/**
 * email-reply-parser's regexes are not linear on some inputs (about 1 s for 40 KB of crafted
 * text); longer bodies skip it and get only our own linear fallback patterns.
 */
const MAX_PARSER_INPUT = 20_000;

// Our own fallback patterns for quote headers email-reply-parser 2.3.9 misses (see the tests):
// Outlook/Exchange header blocks without angle brackets ("From: Support" + "Sent: ..."), German
// "Am <date> schrieb <name>:" without "um" or an address, and header lines split over two lines.
const ORIGINAL_MESSAGE = /^\s*-{2,}\s*(?:original message|ursprüngliche nachricht|forwarded message|weitergeleitete nachricht|message d'origine|mensaje original)\s*-*\s*$/i;
const HEADER_FROM = /^\s*\*?(?:From|Von|De|Da|Van|Fra|Från|Od)\s*:\*?\s*\S/i;
const HEADER_SENT = /^\s*\*?(?:Sent|Date|Gesendet|Datum|Envoyé|Enviado|Inviato|Verzonden|Skickat|Sendt|Wysłano)\s*:/i;
const UNDERSCORE_RULE = /^\s*_{8,}\s*$/;
const ON_WROTE = /^\s*On\s.+\bwrote:\s*$/i;
const AM_SCHRIEB = /^\s*Am\s.+\bschrieb\b.*:\s*$/;
const WROTE_TAIL = /^\s*.*\b(?:wrote|schrieb|écrit|escribió|scritto|escreveu|schreef|skrev):\s*$/i;
const QUOTED = /^\s*>/;

const quoteStart = (lines: readonly string[]): number => {
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    const next = lines[i + 1] ?? '';
    if (ORIGINAL_MESSAGE.test(line)) return i;
    if (UNDERSCORE_RULE.test(line) && HEADER_FROM.test(lines.slice(i + 1).find((l) => l.trim() !== '') ?? '')) return i;
    if (HEADER_FROM.test(line) && lines.slice(i + 1, i + 4).some((l) => HEADER_SENT.test(l))) return i;
    if (ON_WROTE.test(line) || AM_SCHRIEB.test(line)) return i;
    if (/^\s*(?:On|Am)\s/.test(line) && !/[.!?]\s*$/.test(line) && WROTE_TAIL.test(next)) return i;
    // A trailing block of ">" lines (blank lines allowed) is the quoted previous message.
    if (QUOTED.test(line) && lines.slice(i).every((l) => l.trim() === '' || QUOTED.test(l))) return i;
  }
  return -1;
};

const cutAtQuote = (text: string): string => {
  const lines = text.split('\n');
  const at = quoteStart(lines);
  return at < 0 ? text : lines.slice(0, at).join('\n');
};

/**
 * The new part of an email reply: quoted earlier messages (Gmail "On ... wrote:", Outlook
 * "From:/Sent:" blocks, German "Am ... schrieb ...:", "> " lines) and signatures removed with
 * email-reply-parser, then our fallback patterns. A message that would come out empty (only a
 * quote, e.g. a bare forward) is kept whole.
 */
export const trimQuotedReply = (text: string): string => {
  const normalised = normaliseNewlines(text);
  let visible = normalised;
  if (normalised.length <= MAX_PARSER_INPUT) {
    const parsed = new EmailReplyParser().parseReply(normalised);
    if (parsed.trim() !== '') visible = parsed;
  }
  const cut = cutAtQuote(visible);
  return (cut.trim() === '' ? visible : cut).replace(/[ \t]+$/gm, '').trim();
};

/** Whitespace collapsed to single spaces. */
export const collapseWhitespace = (text: string): string => text.replace(/\s+/g, ' ').trim();

/**
 * At most `max` characters (code points, so emoji are never split), cut at a word boundary
 * when one is near, with an ellipsis when anything was cut.
 */
export const truncate = (text: string, max: number): string => {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  const head = chars.slice(0, Math.max(1, max - 1)).join('');
  const space = head.lastIndexOf(' ');
  const cut = space >= head.length * 0.7 ? head.slice(0, space) : head;
  return `${cut.trimEnd()}…`;
};
