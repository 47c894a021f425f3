/**
 * Small text helpers shared by the renderers: HTML detection, the "Subject:" line OpenCX puts at
 * the top of an email, whitespace, and length limits. The quoted-thread removal is in
 * `new-text.ts` (plain text: `quoted-text.ts`; HTML: `html-text.ts`).
 */
const HTML_TAG = /<\/?(?:html|head|body|div|p|br|span|table|tr|td|th|blockquote|a|b|i|u|strong|em|ul|ol|li|h[1-6]|img|font|hr|pre)\b[^>]*>/i;

/** True when a text is (probably) HTML rather than plain text that mentions a `<` here and there. */
export const looksLikeHtml = (text: string): boolean => HTML_TAG.test(text);

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

/**
 * At most `max` characters (UTF-16 code units, as Creatio and JSON APIs count them): a longer text
 * is cut, never inside an emoji and at a line or word break when one is near, and ends with
 * "[truncated: N more characters]", so that nothing is ever lost silently.
 */
export const capText = (text: string, max: number): string => {
  if (text.length <= max) return text;
  const noteFor = (rest: number) => `\n\n[truncated: ${rest} more characters]`;
  const room = Math.max(0, max - noteFor(text.length).length);
  let cut = room;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1; // never split a surrogate pair
  const window = text.slice(Math.max(0, cut - 200), cut);
  const breakAt = Math.max(window.lastIndexOf('\n'), window.lastIndexOf(' '));
  if (breakAt > 0) cut = cut - window.length + breakAt;
  const kept = text.slice(0, cut).trimEnd();
  return `${kept}${noteFor(text.length - kept.length)}`;
};
