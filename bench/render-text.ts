/**
 * Time to find the new words of an email of 10 KB, 100 KB and 1 MB (issue 12): plain text with a
 * long `>` thread, HTML with an Outlook reply header, HTML with a blockquote thread. The same code
 * renders a customer's email into Creatio and a rep's reply out to OpenCX.
 */
import { performance } from 'node:perf_hooks';
import { newText } from '../functions/shared/sync/render/new-text';

const REPLY = 'Hi,\n\nthe replacement arrived, thank you.\n\nKind regards\nDana';

const plainEmail = (bytes: number): string => {
  const header = 'On Thu, Nov 20, 2026 at 1:51 PM Support <support@example.com> wrote:\n';
  const line = '> An earlier message of the thread, quoted line by line.\n';
  return `${REPLY}\n\n${header}${line.repeat(Math.ceil(bytes / line.length))}`;
};

/** `>` lines with text below them: the shape whose old line-by-line trim was quadratic (80 KB took 7 s). */
const quotedThenText = (bytes: number): string => `${'> ok\n'.repeat(Math.ceil(bytes / 5))}\nThanks, Dana`;

const outlookHtml = (bytes: number): string => {
  const line = '<p class="MsoNormal">An earlier message of the thread, one Outlook paragraph.<o:p></o:p></p>';
  return `<div class="WordSection1"><p class="MsoNormal">Hi,</p><p class="MsoNormal">the replacement arrived, thank you.</p><div id="appendonsend"></div><hr><div id="divRplyFwdMsg"><b>From:</b> Support<br><b>Sent:</b> Thursday<br></div>${line.repeat(Math.ceil(bytes / line.length))}</div>`;
};

const blockquoteHtml = (bytes: number): string => {
  const line = '<div>An earlier message of the thread, quoted.</div>';
  return `<p>Hi,</p><p>the replacement arrived, thank you.</p><p>Kind regards<br>Dana</p><blockquote type="cite">${line.repeat(Math.ceil(bytes / line.length))}</blockquote>`;
};

const SIZES: readonly [label: string, bytes: number][] = [
  ['10 KB', 10 * 1024],
  ['100 KB', 100 * 1024],
  ['1 MB', 1024 * 1024],
];

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

const timeMs = (run: () => void, repeats: number): number => {
  const times: number[] = [];
  for (let i = 0; i < repeats; i += 1) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  return median(times);
};

export interface RenderTextTiming {
  readonly size: string;
  readonly plainMs: number;
  readonly quotedThenTextMs: number;
  readonly outlookHtmlMs: number;
  readonly blockquoteHtmlMs: number;
}

export const measureRenderText = (): RenderTextTiming[] => {
  // Load the HTML path and warm each shape up once, as a warm Lambda has.
  for (const make of [plainEmail, quotedThenText, outlookHtml, blockquoteHtml]) newText(make(4096), { email: true });
  return SIZES.map(([size, bytes]) => {
    const repeats = bytes > 200_000 ? 3 : 9;
    const plain = plainEmail(bytes);
    const oldWorstCase = quotedThenText(bytes);
    const outlook = outlookHtml(bytes);
    const quoted = blockquoteHtml(bytes);
    return {
      size,
      plainMs: timeMs(() => newText(plain, { email: true, html: false }), repeats),
      quotedThenTextMs: timeMs(() => newText(oldWorstCase, { email: true, html: false }), repeats),
      outlookHtmlMs: timeMs(() => newText(outlook, { email: true, html: true }), repeats),
      blockquoteHtmlMs: timeMs(() => newText(quoted, { email: true, html: true }), repeats),
    };
  });
};

/** The section `npm run bench` prints: a markdown table and a sentence on what was measured. */
export const renderTextSection = (): string => {
  const rows = measureRenderText().map(
    (r) => `| ${r.size} | ${r.plainMs.toFixed(1)} | ${r.quotedThenTextMs.toFixed(1)} | ${r.outlookHtmlMs.toFixed(1)} | ${r.blockquoteHtmlMs.toFixed(1)} |`,
  );
  return [
    '## Message text: new words of an email (median ms)',
    '',
    '| email size | plain text, `>` thread | plain text, `>` lines then text | HTML, Outlook reply header | HTML, blockquote thread |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    'The reply is a few lines above the quoted thread; the same code renders customer emails into Creatio and rep replies out to OpenCX (docs/message-text.md).',
    'Before issue 12, the line-by-line trim took 7.0 s for 80 KB and 33.4 s for 160 KB of `>` lines followed by text (quadratic), and gave up above 20 000 characters.',
  ].join('\n');
};

if (require.main === module) process.stdout.write(`${renderTextSection()}\n`);
