/**
 * The new words of one message, the same code in both directions: a customer's email written
 * into Creatio and a rep's Creatio reply sent out through OpenCX.
 *
 * - Email: quoted earlier messages removed (in the HTML by the mail clients' markers, then in the
 *   text by one backwards pass), mobile footers dropped, signatures kept.
 * - WhatsApp, chat, SMS: nothing trimmed but whitespace (HTML still becomes text).
 *
 * The HTML path (htmlparser2 + html-to-text) lives in `html-text.ts` and is loaded on first use,
 * only when a message is HTML.
 */
import { cutQuotedText, type WorkCounter } from './quoted-text';
import { looksLikeHtml, splitSubjectLine } from './text';

type HtmlText = typeof import('./html-text');

let htmlModule: HtmlText | undefined;
/**
 * Loads the HTML path on first use. A `require` rather than a static import: esbuild keeps the
 * module in the bundle but evaluates it (and html-to-text, htmlparser2) only when first called.
 */
const html = (): HtmlText => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  htmlModule ??= require('./html-text') as HtmlText;
  return htmlModule;
};

export interface NewTextOptions {
  /** True for HTML, false for plain text; undefined: guessed from the text. */
  readonly html?: boolean;
  /** Email: remove the quoted thread. Otherwise only whitespace is trimmed. */
  readonly email: boolean;
  /** Split off the "Subject:" line OpenCX puts at the top of an email's text. */
  readonly splitSubject?: boolean;
  /** Counts work done (tests show linear growth with it). */
  readonly counter?: WorkCounter;
}

export interface NewText {
  /** The new words ('' when there are none). */
  readonly text: string;
  /** True when quoted earlier messages were removed. */
  readonly quoted: boolean;
  /** True when the message was nothing but quoted or forwarded text: `text` is ''. */
  readonly onlyQuote: boolean;
  /** The email subject, when `splitSubject` was asked for and the text began with a "Subject:" line. */
  readonly subject?: string;
}

/** A whitespace-only trim that keeps the layout: trailing spaces, runs of blank lines, outer blanks. */
const tidyPlain = (text: string): string =>
  text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();

export const newText = (body: string, options: NewTextOptions): NewText => {
  const isHtml = options.html ?? looksLikeHtml(body);
  let text = body;
  let quoted = false;
  if (isHtml && options.email) {
    const fromHtml = html().htmlNewText(body, options.counter);
    text = fromHtml.text;
    quoted = fromHtml.cut;
  } else if (isHtml) {
    text = html().htmlToPlainText(body);
  }
  let subject: string | undefined;
  if (options.splitSubject) ({ subject, rest: text } = splitSubjectLine(text));
  const withSubject = subject === undefined ? {} : { subject };
  if (!options.email) return { text: tidyPlain(text), quoted: false, onlyQuote: false, ...withSubject };

  const plain = cutQuotedText(text, options.counter);
  quoted ||= plain.cut;
  const result = tidyPlain(plain.text);
  return { text: result, quoted, onlyQuote: quoted && result === '', ...withSubject };
};
