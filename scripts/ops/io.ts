/**
 * The operator's terminal: output lines, questions (hidden for secrets), tables. Commands take an `Io`
 * so that tests can script the answers and read what was printed.
 */
export interface AskOptions {
  /** Do not echo what is typed (secrets). */
  readonly hidden?: boolean;
}

export interface Io {
  /** Results, on stdout. */
  out(line: string): void;
  /** Progress, questions and problems, on stderr. */
  err(line: string): void;
  /** One answer: typed at a terminal, or the next line of piped stdin ('' when there is none). */
  ask(question: string, options?: AskOptions): Promise<string>;
  /** True when a person can answer (stdin is a terminal). */
  readonly interactive: boolean;
}

/** An Io for tests: scripted answers, captured output. */
export const scriptedIo = (answers: readonly string[] = [], interactive = false) => {
  const queue = [...answers];
  const lines = { out: [] as string[], err: [] as string[], questions: [] as string[] };
  const io: Io = {
    out: (line) => lines.out.push(line),
    err: (line) => lines.err.push(line),
    ask: async (question) => {
      lines.questions.push(question);
      return queue.shift() ?? '';
    },
    interactive,
  };
  return { io, lines };
};

/** Reads a whole piped stdin once and hands out its lines one by one. */
const pipedLines = (input: NodeJS.ReadableStream) => {
  let lines: Promise<string[]> | undefined;
  const read = () =>
    new Promise<string[]>((resolve, reject) => {
      const chunks: Buffer[] = [];
      input.on('data', (chunk: Buffer | string) => chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
      input.on('end', () => resolve(Buffer.concat(chunks).toString('utf8').split(/\r?\n/)));
      input.on('error', reject);
    });
  return async (): Promise<string> => {
    lines ??= read();
    return (await lines).shift() ?? '';
  };
};

/** One line typed at the terminal without echo (Backspace works, Ctrl-C cancels). */
const askHidden = (stdin: NodeJS.ReadStream, stderr: NodeJS.WritableStream, question: string): Promise<string> =>
  new Promise((resolve, reject) => {
    stderr.write(question);
    let value = '';
    const done = (error?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });

const askVisible = (stdin: NodeJS.ReadStream, stderr: NodeJS.WritableStream, question: string): Promise<string> =>
  new Promise((resolve) => {
    stderr.write(question);
    const onData = (chunk: Buffer | string) => {
      stdin.off('data', onData);
      stdin.pause();
      resolve(chunk.toString('utf8').split(/\r?\n/)[0] ?? '');
    };
    stdin.resume();
    stdin.on('data', onData);
  });

/** The real terminal. Secrets typed at a terminal are never echoed; piped stdin is read line by line. */
export const processIo = (stdin: NodeJS.ReadStream = process.stdin, stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream = process.stderr): Io => {
  const interactive = Boolean(stdin.isTTY);
  const nextPipedLine = pipedLines(stdin);
  return {
    out: (line) => stdout.write(`${line}\n`),
    err: (line) => stderr.write(`${line}\n`),
    ask: (question, options = {}) => {
      if (!interactive) return nextPipedLine();
      return options.hidden ? askHidden(stdin, stderr, question) : askVisible(stdin, stderr, question);
    },
    interactive,
  };
};

/** A plain-text table: one line per row, columns padded, the last column left free. */
export const table = (headers: readonly string[], rows: readonly (readonly string[])[]): string[] => {
  const widths = headers.map((header, column) => (column === headers.length - 1 ? 0 : Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length))));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join(' | ')
      .trimEnd();
  return [line(headers), widths.map((width, column) => '-'.repeat(column === headers.length - 1 ? Math.max(headers[column]!.length, 10) : width)).join('-|-'), ...rows.map(line)];
};

/** Replaces every occurrence of the given values (secrets) with `***`, whatever produced the text. */
export const redactor =
  (secrets: readonly (string | undefined)[]) =>
  (text: string): string =>
    secrets.filter((secret): secret is string => typeof secret === 'string' && secret.length >= 4).reduce((result, secret) => result.split(secret).join('***'), text);

/** "3 min", "2 h 5 min", "4 d 1 h". */
export const formatAge = (seconds: number): string => {
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
};
