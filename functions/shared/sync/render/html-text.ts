/**
 * The HTML path of message text: quoted earlier messages removed where the mail client's markup
 * still shows them (parsed DOM, never regexes over HTML), then HTML → readable text.
 *
 * This is the only module that loads htmlparser2 / html-to-text: `new-text.ts` requires it only
 * when a message is HTML, so a plain-text message never pays for loading them.
 */
import { render } from 'dom-serializer';
import { type AnyNode, type Element, hasChildren, isTag, isText } from 'domhandler';
import { compile, type FormatCallback, type HtmlToTextOptions } from 'html-to-text';
import { parseDocument } from 'htmlparser2';
import { isAttributionLine, isHeaderFieldStart, type WorkCounter } from './quoted-text';

// ---------------------------------------------------------------------------------------------
// Quote markers
// ---------------------------------------------------------------------------------------------

/**
 * Markers after which everything is the quoted thread (the old message follows the marker as
 * siblings, so the marker alone is not the whole quote): Outlook's reply header `#divRplyFwdMsg`,
 * `#appendonsend`, the new Outlook's `#mail-editor-reference-message-container`,
 * `OLK_SRC_BODY_SECTION` (Outlook for Mac), Hotmail's `hr#stopSpelling`.
 */
const CUT_IDS = ['divrplyfwdmsg', 'appendonsend', 'mail-editor-reference-message-container', 'olk_src_body_section', 'stopspelling'];

/**
 * Containers that hold the quote and nothing else: removed where they stand, so that text below
 * them (a bottom-posted reply, Thunderbird's default) stays. Gmail `.gmail_quote` (the container,
 * its `.gmail_attr` "On … wrote:" line and the blockquote), Thunderbird `.moz-cite-prefix`,
 * Yahoo `.yahoo_quoted`, Proton `.protonmail_quote`, Thunderbird's forward container.
 */
const QUOTE_CLASSES = ['gmail_quote', 'gmail_quote_container', 'gmail_attr', 'moz-cite-prefix', 'moz-forward-container', 'yahoo_quoted', 'protonmail_quote'];

/** Outlook 2003's reply header block (an `hr` and the From:/Sent: lines). */
const CUT_CLASSES = ['outlookmessageheader'];

/** Outlook desktop's reply header: a div with a thin top border (2007/2010 #B5C4DF, 2013+ #E1E1E1). */
const OUTLOOK_SEPARATOR = /border-top:solid#(?:e1e1e1|b5c4df)/;
/** Any other top-bordered block (Windows Mail: rgb(229, 229, 229)) counts when a header field opens it. */
const TOP_BORDER = /border-top(?:-style)?:[^;]*solid/;

const BLOCK_TAGS = new Set(['div', 'p', 'li', 'td', 'th', 'tr', 'table', 'section', 'article', 'header', 'footer', 'pre', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6']);

/** cut: it and everything after it go; remove: it goes; quote-if-attributed: it goes when an "On … wrote:" line sits right above it. */
type Decision = 'cut' | 'remove' | 'quote-if-attributed' | undefined;

interface Flat {
  readonly nodes: AnyNode[];
  /** Index of the last descendant of nodes[i] (i itself for a leaf). */
  readonly end: number[];
  readonly index: Map<AnyNode, number>;
}

/** The document in order, each node with the index of its last descendant. Iterative: no recursion limit. */
const flatten = (roots: readonly AnyNode[], counter?: WorkCounter): Flat => {
  const nodes: AnyNode[] = [];
  const end: number[] = [];
  const index = new Map<AnyNode, number>();
  const stack: { node: AnyNode; exit: boolean }[] = [];
  for (let r = roots.length - 1; r >= 0; r -= 1) stack.push({ node: roots[r]!, exit: false });
  while (stack.length > 0) {
    const { node, exit } = stack.pop()!;
    if (counter) counter.steps += 1;
    if (exit) {
      end[index.get(node)!] = nodes.length - 1;
      continue;
    }
    index.set(node, nodes.length);
    nodes.push(node);
    end.push(nodes.length - 1);
    if (hasChildren(node) && node.children.length > 0) {
      stack.push({ node, exit: true });
      for (let c = node.children.length - 1; c >= 0; c -= 1) stack.push({ node: node.children[c]!, exit: false });
    }
  }
  return { nodes, end, index };
};

/** Outlook on the web prefixes the ids and classes of quoted markup with `x_`: compare without it. */
const unprefixed = (name: string): string => name.toLowerCase().replace(/^(?:x_)+/, '');
const classes = (el: Element): string[] => (el.attribs.class ?? '').split(/\s+/).map(unprefixed);
const meaningful = (node: AnyNode): boolean => isText(node) && /\S/.test(node.data.replace(/\u00a0/g, ' '));
const insideInvisible = (node: AnyNode): boolean => {
  for (let p = node.parent; p; p = p.parent) if (isTag(p) && (p.name === 'head' || p.name === 'style' || p.name === 'script')) return true;
  return false;
};

/**
 * Text of the nodes in [from, to] when it is one line (a `br` may only end it), else undefined:
 * a block that also holds other lines ("Best, Dana<br>On … wrote:") is not removed whole.
 */
const lineOf = (flat: Flat, from: number, to: number): string | undefined => {
  let text = '';
  let broken = false;
  for (let i = from; i <= to; i += 1) {
    const node = flat.nodes[i]!;
    if (isText(node)) {
      if (broken && /\S/.test(node.data)) return undefined;
      text += node.data;
    } else if (isTag(node) && node.name === 'br') {
      broken = true;
    }
    if (text.length > 400) return undefined;
  }
  return text.replace(/\s+/g, ' ').trim();
};

/**
 * Finds the quoted thread in a parsed HTML email and removes it: everything from the first
 * cut marker on, and each self-contained quote container (with an "On … wrote:" block right
 * above it). Linear: the document is flattened once and every check is O(1) per node.
 */
const stripQuotes = (roots: AnyNode[], counter?: WorkCounter): { roots: AnyNode[]; cut: boolean } => {
  const flat = flatten(roots, counter);
  const { nodes, end } = flat;
  const n = nodes.length;

  // Last meaningful text node, and for each index the next / previous meaningful text node.
  const nextText = new Int32Array(n + 1).fill(-1);
  for (let i = n - 1; i >= 0; i -= 1) nextText[i] = meaningful(nodes[i]!) ? i : nextText[i + 1]!;
  const prevText = new Int32Array(n).fill(-1);
  for (let i = 0, last = -1; i < n; i += 1) {
    prevText[i] = last;
    if (meaningful(nodes[i]!)) last = i;
  }
  let lastText = -1;
  for (let i = n - 1; i >= 0 && lastText < 0; i -= 1) if (meaningful(nodes[i]!) && !insideInvisible(nodes[i]!)) lastText = i;

  const trailing = (i: number): boolean => end[i]! >= lastText;
  /** Whether the first text from index `from` on is a header field or an "On … wrote:" line. */
  const headerAt = (from: number): boolean => {
    const t = nextText[from] ?? -1;
    if (t < 0) return false;
    const data = (nodes[t] as { data: string }).data.trimStart();
    return isHeaderFieldStart(data) || isAttributionLine(data.split('\n')[0] ?? '');
  };

  const decide = (el: Element, i: number): Decision => {
    const id = unprefixed(el.attribs.id ?? '');
    if (CUT_IDS.some((marker) => id.startsWith(marker))) return 'cut';
    if (el.name === 'hr') return headerAt(end[i]! + 1) ? 'cut' : undefined;
    if (el.name === 'div' || el.name === 'p') {
      const style = (el.attribs.style ?? '').toLowerCase().replace(/\s+/g, '');
      if (OUTLOOK_SEPARATOR.test(style)) return 'cut';
      if (TOP_BORDER.test(style) && headerAt(i + 1) && (nextText[i + 1] ?? n) <= end[i]!) return 'cut';
    }
    const cls = classes(el);
    if (CUT_CLASSES.some((marker) => cls.includes(marker))) return 'cut';
    if (QUOTE_CLASSES.some((marker) => cls.includes(marker))) return 'remove';
    if (el.name === 'blockquote') {
      if ((el.attribs.type ?? '').toLowerCase() === 'cite') return 'remove';
      // A plain blockquote is the quoted thread when nothing follows it; in the middle of new text
      // it is something the writer quoted on purpose, unless a reply header sits right above it.
      if (trailing(i)) return 'cut';
      return 'quote-if-attributed';
    }
    return undefined;
  };

  const removed = new Uint8Array(n);
  let cutAt = n;
  /** Removes the block holding the "On … wrote:" line right above a quote, if there is one. */
  const removeAttributionAbove = (i: number) => {
    const t = prevText[i]!;
    if (t < 0) return false;
    let block: AnyNode = nodes[t]!;
    while (block.parent && isTag(block.parent) && !BLOCK_TAGS.has(block.parent.name) && block.parent.name !== 'body') block = block.parent;
    if (block.parent && isTag(block.parent) && BLOCK_TAGS.has(block.parent.name)) block = block.parent;
    const b = flat.index.get(block)!;
    if (end[b]! >= i) return false; // the block holds the quote too: not a header line of its own
    const text = lineOf(flat, b, end[b]!);
    if (text === undefined || !isAttributionLine(text)) return false;
    removed[b] = 1;
    return true;
  };

  for (let i = 0; i < n && i < cutAt; i += 1) {
    if (counter) counter.steps += 1;
    const node = nodes[i]!;
    if (!isTag(node)) continue;
    const decision = decide(node, i);
    if (decision === 'cut') {
      cutAt = i;
      removeAttributionAbove(i);
    } else if (decision === 'remove') {
      removed[i] = 1;
      removeAttributionAbove(i);
      i = end[i]!; // its content is gone with it
    } else if (decision === 'quote-if-attributed' && removeAttributionAbove(i)) {
      removed[i] = 1;
      i = end[i]!;
    }
  }

  let cut = cutAt < n;
  for (let i = 0; i < n; i += 1) {
    if (counter) counter.steps += 1;
    if (removed[i]) cut = true;
    const node = nodes[i]!;
    if (hasChildren(node) && node.children.length > 0) {
      node.children = node.children.filter((child) => {
        const c = flat.index.get(child)!;
        return c < cutAt && removed[c] !== 1;
      });
    }
  }
  return { roots: roots.filter((root) => flat.index.get(root)! < cutAt && removed[flat.index.get(root)!] !== 1), cut };
};

// ---------------------------------------------------------------------------------------------
// HTML → text
// ---------------------------------------------------------------------------------------------

const comparableUrl = (url: string): string =>
  url
    .trim()
    .toLowerCase()
    .replace(/^(?:mailto:|tel:|https?:\/\/)/, '')
    .replace(/^www\./, '')
    .replace(/\/+$/, '');

/** Links as "text (url)", the address once: no "(url)" when the text already is the address. */
const anchorOnce: FormatCallback = (elem, walk, builder) => {
  const href = String((elem.attribs as Record<string, string> | undefined)?.href ?? '').trim();
  const shown = /^(?:https?:|mailto:|tel:)/i.test(href) ? href.replace(/^mailto:/i, '') : '';
  if (!shown) {
    walk(elem.children, builder);
    return;
  }
  let text = '';
  builder.pushWordTransform((word) => {
    text += word;
    return word;
  });
  walk(elem.children, builder);
  builder.popWordTransform();
  const target = comparableUrl(shown);
  const said = comparableUrl(text);
  if (!text) builder.addInline(shown, { noWordTransform: true });
  else if (said !== target && !said.includes(target)) builder.addInline(` (${shown})`, { noWordTransform: true });
};

const heading = (selector: string) => ({ selector, options: { uppercase: false } });

const OPTIONS: HtmlToTextOptions = {
  wordwrap: false,
  formatters: { anchorOnce },
  selectors: [
    { selector: 'a', format: 'anchorOnce' },
    { selector: 'img', format: 'skip' },
    { selector: 'style', format: 'skip' },
    { selector: 'script', format: 'skip' },
    { selector: 'title', format: 'skip' },
    // Outlook writes one <p class=MsoNormal> per line and <p>&nbsp;</p> for an empty line.
    { selector: 'p.MsoNormal', format: 'block', options: { leadingLineBreaks: 1, trailingLineBreaks: 1 } },
    { selector: 'p.x_MsoNormal', format: 'block', options: { leadingLineBreaks: 1, trailingLineBreaks: 1 } },
    { selector: 'hr', format: 'horizontalLine', options: { length: 3 } },
    { selector: 'ul', options: { itemPrefix: '- ' } },
    heading('h1'),
    heading('h2'),
    heading('h3'),
    heading('h4'),
    heading('h5'),
    heading('h6'),
    { selector: 'table', options: { uppercaseHeaderCells: false } },
  ],
};

let converter: ((html: string) => string) | undefined;

/** Readable text: paragraphs as blank lines, line breaks kept, at most one empty line in a row. */
export const tidyText = (text: string): string =>
  text
    .replace(/\r\n?/g, '\n')
    .replace(/[\u00a0\u2007\u202f]/g, ' ')
    .replace(/\u200b|\u200c|\u200d|\ufeff/g, '')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^--\n\n(?=\S)/m, '--\n') // Gmail's "-- " signature delimiter sits in its own block
    .trim();

/** HTML → plain text a rep can read: paragraphs and line breaks kept, links as "text (url)", images dropped. */
export const htmlToPlainText = (html: string): string => {
  converter ??= compile(OPTIONS);
  return tidyText(converter(html));
};

export interface HtmlTextResult {
  readonly text: string;
  /** True when quoted earlier messages were found in the markup and removed. */
  readonly cut: boolean;
}

/** The new text of an HTML email: quote markers removed in the DOM, then converted to text. */
export const htmlNewText = (html: string, counter?: WorkCounter): HtmlTextResult => {
  const document = parseDocument(html);
  const stripped = stripQuotes(document.children, counter);
  if (!stripped.cut) return { text: htmlToPlainText(html), cut: false };
  return { text: htmlToPlainText(render(stripped.roots)), cut: true };
};
