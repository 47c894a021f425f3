import { DEFAULT_CREATIO_WEBHOOK_TOKEN, DEFAULT_OPENCX_WEBHOOK_TOKEN, startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { figure, inPool, leftInQueues, post, type HttpAnswer } from './support';

/**
 * Hostile input (issue 7): hundreds of generated bad requests against both webhook routes. Every one
 * must be refused with a 4xx whose JSON body says in a sentence what is wrong (or, for a well-formed
 * event we do not act on, a 200 "ignored"); none may be a 5xx, nothing may reach a queue, and the
 * process must stay healthy. The consumers are off, so whatever was enqueued would still be there.
 */

type Category =
  | 'invalid JSON'
  | 'not an object'
  | 'wrong types'
  | 'missing fields'
  | 'unknown event'
  | 'no conversation'
  | 'giant strings'
  | 'deep nesting'
  | 'wrong token'
  | 'timing-probe token'
  | 'bad UTF-8'
  | '300 KB body';

interface Probe {
  readonly category: Category;
  readonly route: 'opencx' | 'creatio';
  readonly label: string;
  readonly body: string | Uint8Array;
  /** Defaults to the route's real token. */
  readonly token?: string;
  readonly contentType?: string;
}

const ORG = 'org_7f3c2a91';
const CASE_ID = '3d2b9e10-8c4f-4a7b-9e21-5f6a7b8c9d01';
const ACTIVITY_ID = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
const SESSION = 'b6a0c0de-1f2e-4d3c-9b8a-7f6e5d4c3b2a';
const OPENCX_EVENTS = ['conversation.started', 'conversation.contact_response', 'conversation.handoff_to_human', 'conversation.closed'];
const validOpenCx = (event = 'conversation.handoff_to_human', data: Record<string, unknown> = {}) => ({
  event,
  organization_id: ORG,
  data: { conversation_id: SESSION, timestamp: '2026-11-20T14:03:12.418Z', customer_id: 'c-1', summary: 'Needs a human.', ...data },
});
const validCreatio = (fields: Record<string, unknown> = {}) => ({ event_type: 'new_activity', caseId: CASE_ID, activityId: ACTIVITY_ID, ...fields });
const json = (value: unknown) => JSON.stringify(value);
/** JSON text nested `depth` levels deep (objects and arrays in turn), built as text: too deep for JSON.stringify. */
const nestedText = (depth: number): string => {
  const open = Array.from({ length: depth }, (_, i) => (i % 2 ? '[' : '{"x":'));
  const close = Array.from({ length: depth }, (_, i) => (i % 2 ? ']' : '}')).reverse();
  return `${open.join('')}1${close.join('')}`;
};
/** Replaces the first occurrence of `marker` in the UTF-8 of `text` with raw bytes. */
const withBytes = (text: string, marker: string, bytes: number[]): Uint8Array => {
  const [before, after] = text.split(marker) as [string, string];
  return Buffer.concat([Buffer.from(before, 'utf8'), Buffer.from(bytes), Buffer.from(after, 'utf8')]);
};
const flip = (token: string, index: number) => token.slice(0, index) + (token[index] === 'x' ? 'y' : 'x') + token.slice(index + 1);

const probes = (): Probe[] => {
  const list: Probe[] = [];
  const both = (category: Category, label: string, opencxBody: string | Uint8Array, creatioBody: string | Uint8Array, extra: Partial<Probe> = {}) => {
    list.push({ category, route: 'opencx', label, body: opencxBody, ...extra });
    list.push({ category, route: 'creatio', label, body: creatioBody, ...extra });
  };

  // Invalid JSON: every strict prefix of a valid body, plus classic mistakes.
  const opencxText = json(validOpenCx());
  const creatioText = json(validCreatio());
  for (const cut of [1, 2, 5, 10, 20, 40, 60, 80, 100, 120]) {
    both('invalid JSON', `cut at ${cut}`, opencxText.slice(0, Math.min(cut, opencxText.length - 1)), creatioText.slice(0, Math.min(cut, creatioText.length - 1)));
  }
  for (const [label, body] of [
    ['single quotes', "{'event': 'conversation.started'}"],
    ['trailing comma', '{"event": "conversation.started", "data": {},}'],
    ['comment', '{"event": "x" /* hi */}'],
    ['NaN', '{"event": "x", "data": NaN}'],
    ['two objects', '{"event":"x"}{"event":"y"}'],
    ['unquoted key', '{event: "conversation.started"}'],
    ['form-encoded', 'event=conversation.started&conversation_id=abc'],
    ['XML', '<event>conversation.started</event>'],
    ['HTML', '<!doctype html><html></html>'],
    ['raw control character in a string', '{"event": "a\u0001b"}'],
  ] as const) {
    both('invalid JSON', label, body, body);
  }

  // Not an object at the top: arrays, null, numbers, strings, booleans, empty bodies.
  for (const [label, body] of [
    ['null', 'null'],
    ['zero', '0'],
    ['negative number', '-12.5e300'],
    ['string', '"conversation.handoff_to_human"'],
    ['true', 'true'],
    ['empty array', '[]'],
    ['empty body', ''],
    ['whitespace body', '   \n\t '],
  ] as const) {
    both('not an object', label, body, body);
  }
  both('not an object', 'array holding a valid event', json([validOpenCx()]), json([validCreatio()]));

  // Wrong types, field by field.
  const wrongValues: [string, unknown][] = [
    ['number', 42],
    ['null', null],
    ['boolean', true],
    ['array', ['x']],
    ['object', { id: 'x' }],
    ['empty string', ''],
  ];
  for (const [label, value] of wrongValues) {
    list.push({ category: 'wrong types', route: 'opencx', label: `event ${label}`, body: json({ ...validOpenCx(), event: value }) });
    list.push({
      category: value === null ? 'no conversation' : 'wrong types',
      route: 'opencx',
      label: `conversation_id ${label}`,
      body: json(validOpenCx(undefined, { conversation_id: value })),
    });
    list.push({ category: 'wrong types', route: 'creatio', label: `event_type ${label}`, body: json(validCreatio({ event_type: value })) });
    list.push({ category: 'wrong types', route: 'creatio', label: `caseId ${label}`, body: json(validCreatio({ caseId: value })) });
    list.push({ category: 'wrong types', route: 'creatio', label: `activityId ${label}`, body: json(validCreatio({ activityId: value })) });
  }
  for (const [label, data] of [
    ['timestamp as epoch number', { timestamp: 1763647392 }],
    ['timestamp as words', { timestamp: 'yesterday afternoon' }],
    ['customer_id as number', { customer_id: 311 }],
    ['summary as object', { summary: { text: 'x' } }],
    ['message_count negative', { message_count: -1 }],
    ['message_count as string', { message_count: '7' }],
    ['human_resolution_status unknown', { human_resolution_status: 'maybe' }],
    ['closed_by as string', { closed_by: 'agent' }],
    ['conversation_id with a path', { conversation_id: '../../etc/passwd' }],
    ['conversation_id with spaces', { conversation_id: 'abc def' }],
    ['conversation_id with a newline', { conversation_id: 'abc\ndef' }],
    ['conversation_id with emoji', { conversation_id: 'abc🙂' }],
  ] as const) {
    list.push({ category: 'wrong types', route: 'opencx', label, body: json(validOpenCx('conversation.closed', data)) });
  }
  list.push({ category: 'wrong types', route: 'opencx', label: 'data as string', body: json({ ...validOpenCx(), data: 'conversation_id=abc' }) });
  list.push({ category: 'wrong types', route: 'opencx', label: 'data as two-element array', body: json({ ...validOpenCx(), data: [validOpenCx().data, validOpenCx().data] }) });
  list.push({ category: 'wrong types', route: 'opencx', label: 'organization_id of another organization', body: json({ ...validOpenCx(), organization_id: 'org_other' }) });
  list.push({ category: 'wrong types', route: 'creatio', label: 'caseId not a GUID', body: json(validCreatio({ caseId: 'SR00012345' })) });
  list.push({ category: 'wrong types', route: 'creatio', label: 'caseId a GUID in braces', body: json(validCreatio({ caseId: `{${CASE_ID}}` })) });
  list.push({ category: 'wrong types', route: 'creatio', label: 'unsubstituted process macro', body: json(validCreatio({ caseId: '[#Case.Id#]' })) });
  list.push({ category: 'wrong types', route: 'creatio', label: 'statusId not a GUID', body: json({ event_type: 'case_updated', caseId: CASE_ID, statusId: 'Resolved' }) });

  // Missing fields.
  const { event: _e, ...noEvent } = validOpenCx();
  const { data: _d, ...noData } = validOpenCx();
  const { conversation_id: _c, ...noConversation } = validOpenCx().data;
  for (const event of OPENCX_EVENTS) {
    // OpenCX types conversation_id as nullable: such an event names no conversation and is ignored with 200 and the reason.
    list.push({ category: 'no conversation', route: 'opencx', label: `${event} without conversation_id`, body: json({ event, organization_id: ORG, data: noConversation }) });
    list.push({ category: 'no conversation', route: 'opencx', label: `${event} with empty data`, body: json({ event, organization_id: ORG, data: {} }) });
    list.push({ category: 'no conversation', route: 'opencx', label: `${event} without data`, body: json({ event, organization_id: ORG }) });
  }
  list.push({ category: 'missing fields', route: 'opencx', label: 'no event', body: json(noEvent) });
  list.push({ category: 'no conversation', route: 'opencx', label: 'no data', body: json(noData) });
  list.push({ category: 'missing fields', route: 'opencx', label: 'empty object', body: '{}' });
  list.push({ category: 'missing fields', route: 'creatio', label: 'empty object', body: '{}' });
  list.push({ category: 'missing fields', route: 'creatio', label: 'no event_type', body: json({ caseId: CASE_ID, activityId: ACTIVITY_ID }) });
  list.push({ category: 'missing fields', route: 'creatio', label: 'new_activity without activityId', body: json({ event_type: 'new_activity', caseId: CASE_ID }) });
  list.push({ category: 'missing fields', route: 'creatio', label: 'new_activity without caseId', body: json({ event_type: 'new_activity', activityId: ACTIVITY_ID }) });
  list.push({ category: 'missing fields', route: 'creatio', label: 'case_updated without caseId', body: json({ event_type: 'case_updated' }) });
  list.push({
    category: 'missing fields',
    route: 'opencx',
    label: 'prototype keys only',
    body: '{"__proto__": {"event": "conversation.started"}, "constructor": {"prototype": {}}}',
  });

  // Unknown events: well-formed, deliberately ignored (200), counted on their own.
  for (const event of ['conversation.typing', 'message.created', 'CONVERSATION.STARTED', 'conversation.handoff_to_human ', 'conversation.started.v2', 'ping']) {
    list.push({ category: 'unknown event', route: 'opencx', label: event, body: json({ ...validOpenCx(), event }) });
  }
  for (const event of ['case_deleted', 'NEW_ACTIVITY', 'new_activity ', 'activity_added']) {
    list.push({ category: 'unknown event', route: 'creatio', label: event, body: json(validCreatio({ event_type: event })) });
  }

  // Giant strings (under the 256 KB limit).
  const big = (n: number) => 'A'.repeat(n);
  list.push({ category: 'giant strings', route: 'opencx', label: '25 000-character summary', body: json(validOpenCx(undefined, { summary: big(25_000) })) });
  list.push({ category: 'giant strings', route: 'opencx', label: '200 KB conversation_id', body: json(validOpenCx(undefined, { conversation_id: big(200_000) })) });
  list.push({ category: 'giant strings', route: 'opencx', label: '200 KB event name', body: json({ ...validOpenCx(), event: big(200_000) }) });
  list.push({ category: 'giant strings', route: 'opencx', label: '200 KB reason', body: json(validOpenCx(undefined, { reason: big(200_000) })) });
  list.push({
    category: 'no conversation',
    route: 'opencx',
    label: '200 KB extra field, no conversation',
    body: json({ event: 'conversation.started', organization_id: ORG, data: { ...noConversation, note: big(200_000) } }),
  });
  list.push({ category: 'giant strings', route: 'creatio', label: '200 KB caseId', body: json(validCreatio({ caseId: big(200_000) })) });
  list.push({ category: 'giant strings', route: 'creatio', label: '200 KB event_type', body: json(validCreatio({ event_type: big(200_000) })) });
  list.push({ category: 'giant strings', route: 'creatio', label: '200 KB modifiedOn', body: json({ event_type: 'case_updated', caseId: CASE_ID, modifiedOn: big(200_000) }) });
  list.push({ category: 'giant strings', route: 'creatio', label: '200 KB of escapes', body: `{"event_type": "${'\\u0041'.repeat(40_000)}"}` });

  // Deep nesting.
  for (const depth of [33, 100, 1_000, 40_000]) {
    list.push({
      category: 'deep nesting',
      route: 'opencx',
      label: `data nested ${depth} deep`,
      body: json(validOpenCx(undefined, { extra: 'NEST' })).replace('"NEST"', nestedText(depth)),
    });
    list.push({
      category: 'deep nesting',
      route: 'creatio',
      label: `extra field nested ${depth} deep`,
      body: json(validCreatio({ extra: 'NEST' })).replace('"NEST"', nestedText(depth)),
    });
  }
  both('deep nesting', '100 000 open brackets', '['.repeat(100_000), '{"a":'.repeat(40_000));

  // Wrong and missing tokens, with otherwise valid bodies (so only the token stops them).
  for (const route of ['opencx', 'creatio'] as const) {
    const real = route === 'opencx' ? DEFAULT_OPENCX_WEBHOOK_TOKEN : DEFAULT_CREATIO_WEBHOOK_TOKEN;
    const other = route === 'opencx' ? DEFAULT_CREATIO_WEBHOOK_TOKEN : DEFAULT_OPENCX_WEBHOOK_TOKEN;
    const body = route === 'opencx' ? opencxText : creatioText;
    for (const [label, token] of [
      ['blank token', '%20'],
      ['random token', 'f3a9c2e14b7d'],
      ['the other route’s token', other],
      ['the token in upper case', real.toUpperCase()],
      ['the token plus one character', `${real}x`],
      ['the token minus its last character', real.slice(0, -1)],
      ['the token twice', real + real],
      ['the token with a trailing space', `${real}%20`],
      ['a 2 000-character token', 'k'.repeat(2_000)],
      ['a path traversal', '..%2F..%2Fhealth'],
    ] as const) {
      list.push({ category: 'wrong token', route, label, body, token });
    }
    // Timing probes: tokens of the right length that differ only in the first or only in the last character.
    for (let i = 0; i < 10; i += 1) {
      list.push({ category: 'timing-probe token', route, label: `first character differs #${i}`, body, token: flip(real, 0) });
      list.push({ category: 'timing-probe token', route, label: `last character differs #${i}`, body, token: flip(real, real.length - 1) });
    }
  }

  // Bad UTF-8 inside otherwise valid events.
  for (const [label, bytes] of [
    ['0xFF byte', [0xff]],
    ['0xFE 0xFF', [0xfe, 0xff]],
    ['overlong slash', [0xc0, 0xaf]],
    ['encoded surrogate', [0xed, 0xa0, 0x80]],
    ['truncated sequence', [0xe2, 0x82]],
    ['lone continuation byte', [0x80]],
  ] as const) {
    list.push({ category: 'bad UTF-8', route: 'opencx', label, body: withBytes(json(validOpenCx(undefined, { summary: 'MARK' })), 'MARK', [...bytes]) });
    list.push({ category: 'bad UTF-8', route: 'creatio', label, body: withBytes(json(validCreatio({ note: 'MARK' })), 'MARK', [...bytes]) });
    list.push({
      category: 'bad UTF-8',
      route: 'opencx',
      label: `${label} as text/plain`,
      body: withBytes(json(validOpenCx(undefined, { summary: 'MARK' })), 'MARK', [...bytes]),
      contentType: 'text/plain',
    });
  }

  // 300 KB bodies: valid events padded past the limit, and plain bulk.
  const padding = big(300 * 1024);
  both('300 KB body', 'valid event with 300 KB padding', json(validOpenCx(undefined, { note: padding })), json(validCreatio({ note: padding })));
  both('300 KB body', '300 KB of spaces around a valid event', `${' '.repeat(300 * 1024)}${opencxText}`, `${' '.repeat(300 * 1024)}${creatioText}`);
  both('300 KB body', '300 KB of binary', new Uint8Array(300 * 1024).fill(0x9c), new Uint8Array(300 * 1024).fill(0x00));
  both('300 KB body', '300 KB array', json(Array.from({ length: 60_000 }, () => 1234)), json(Array.from({ length: 60_000 }, () => 1234)));
  return list;
};

const startedAt = Date.now();
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, logLevel: 'SILENT', consumers: false, creatioBusinessProcesses: false });
  runtime.opencx!.setWebhookUrl(undefined);
});
afterAll(async () => {
  await runtime?.stop();
  figure('hostile-input', `${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
});

/**
 * A message a person can act on: words (a field-level one may start with the field's name, as
 * `organization_id: ...`), short, and with none of a program's internals in it.
 */
const isSentence = (message: unknown): boolean =>
  typeof message === 'string' &&
  /^[A-Za-z]/.test(message) &&
  message.split(/\s+/).length >= 5 &&
  message.length <= 1_000 &&
  !/\n\s+at |\[object |undefined|Error:|TypeError|SyntaxError/.test(message);

describe('Hostile input against both webhook routes', () => {
  const answers: { probe: Probe; answer: HttpAnswer; ms: number }[] = [];

  beforeAll(async () => {
    const all = probes();
    const results = await inPool(all, 8, async (probe) => {
      const real = probe.route === 'opencx' ? DEFAULT_OPENCX_WEBHOOK_TOKEN : DEFAULT_CREATIO_WEBHOOK_TOKEN;
      const url = `${runtime.url}/${probe.route}/webhook/${probe.token ?? real}`;
      const started = process.hrtime.bigint();
      const answer = await post(url, probe.body, { 'content-type': probe.contentType ?? 'application/json' });
      return { probe, answer, ms: Number(process.hrtime.bigint() - started) / 1e6 };
    });
    answers.push(...results);
  }, 60_000);

  it('sends at least 200 bad requests, spread over every category and both routes', () => {
    const byCategory: Record<string, number> = {};
    for (const { probe } of answers) byCategory[probe.category] = (byCategory[probe.category] ?? 0) + 1;
    const byRoute = { opencx: answers.filter((a) => a.probe.route === 'opencx').length, creatio: answers.filter((a) => a.probe.route === 'creatio').length };
    figure('hostile-input', `${answers.length} requests ${JSON.stringify(byRoute)}; by category ${JSON.stringify(byCategory)}`);
    const statuses: Record<string, number> = {};
    for (const { answer } of answers) statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    figure('hostile-input', `answers by status ${JSON.stringify(statuses)}`);
    // Loopback timings are too noisy to prove constant time (webhook-auth's unit test covers the comparison); printed for the record.
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
    const timing = answers.filter((a) => a.probe.category === 'timing-probe token');
    const first = median(timing.filter((a) => a.probe.label.startsWith('first')).map((a) => a.ms));
    const last = median(timing.filter((a) => a.probe.label.startsWith('last')).map((a) => a.ms));
    figure('hostile-input', `401 median: first character differs ${first.toFixed(2)} ms, last character differs ${last.toFixed(2)} ms`);

    expect(answers.length - (byCategory['unknown event'] ?? 0)).toBeGreaterThanOrEqual(200);
    expect(Object.keys(byCategory)).toHaveLength(12);
    expect(byRoute.creatio).toBeGreaterThanOrEqual(80);
  });

  it('answers none with a 5xx', () => {
    expect(
      answers.filter((a) => a.answer.status >= 500).map((a) => `${a.probe.route} ${a.probe.category}: ${a.probe.label} → ${a.answer.status} ${a.answer.text.slice(0, 200)}`),
    ).toEqual([]);
  });

  it('refuses every malformed, oversized or unauthenticated request with a 4xx and a JSON message in a sentence', () => {
    const refused = answers.filter((a) => a.probe.category !== 'unknown event' && a.probe.category !== 'no conversation');
    const wrong = refused
      .filter((a) => a.answer.status < 400 || a.answer.status >= 500 || !isSentence((a.answer.json as { message?: unknown } | undefined)?.message))
      .map((a) => `${a.probe.route} ${a.probe.category}: ${a.probe.label} → ${a.answer.status} ${a.answer.text.slice(0, 200)}`);

    expect(wrong).toEqual([]);
  });

  it('does not call a field that is present with the wrong type "required"', () => {
    // e.g. {"conversation_id": 5} must not be answered "data.conversation_id: is required".
    const present = answers.filter((a) => a.probe.category === 'wrong types' && !a.probe.label.includes('null') && !a.probe.label.includes('empty'));
    const misleading = present
      .filter((a) => String((a.answer.json as { message?: unknown }).message).includes('is required'))
      .map((a) => `${a.probe.route}: ${a.probe.label} → ${String((a.answer.json as { message?: unknown }).message)}`);

    expect(present.length).toBeGreaterThan(30);
    expect(misleading).toEqual([]);
  });

  it('answers the right 4xx for each kind of problem: 401 for tokens, 413 for size, 400 for the body', () => {
    const statusOf = (category: Category) => [...new Set(answers.filter((a) => a.probe.category === category).map((a) => a.answer.status))].sort();

    expect(statusOf('wrong token')).toEqual([401]);
    expect(statusOf('timing-probe token')).toEqual([401]);
    expect(statusOf('300 KB body')).toEqual([413]);
    for (const category of ['invalid JSON', 'not an object', 'wrong types', 'missing fields', 'giant strings', 'deep nesting', 'bad UTF-8'] as const) {
      expect({ category, statuses: statusOf(category) }).toEqual({ category, statuses: [400] });
    }
  });

  it('says 200 "ignored" to well-formed events it does not act on, so that the sender stops retrying', () => {
    const unknown = answers.filter((a) => a.probe.category === 'unknown event');

    expect(unknown.map((a) => a.answer.status)).toEqual(unknown.map(() => 200));
    expect(unknown.every((a) => typeof (a.answer.json as { ignored?: unknown }).ignored === 'string')).toBe(true);
  });

  it('says 200 "ignored", with the reason, to an OpenCX event without a conversation_id, so that OpenCX neither retries nor alerts', () => {
    const none = answers.filter((a) => a.probe.category === 'no conversation');

    expect(none.length).toBeGreaterThan(3);
    expect(none.map((a) => a.answer.status)).toEqual(none.map(() => 200));
    expect(none.every((a) => String((a.answer.json as { reason?: unknown }).reason).includes('conversation_id'))).toBe(true);
  });

  it('never echoes the secret token or the submitted content back', () => {
    const echoes = answers.filter(
      (a) =>
        a.answer.text.includes(DEFAULT_OPENCX_WEBHOOK_TOKEN) ||
        a.answer.text.includes(DEFAULT_CREATIO_WEBHOOK_TOKEN) ||
        a.answer.text.includes('AAAAAAAAAAAAAAAAAAAA') ||
        a.answer.text.length > 2_000,
    );

    expect(echoes.map((a) => `${a.probe.category}: ${a.probe.label}`)).toEqual([]);
  });

  it('enqueues nothing: both queues and both DLQs are empty', async () => {
    expect(await leftInQueues(runtime)).toEqual({ 'opencx-events': [], 'opencx-events-dlq': [], 'creatio-events': [], 'creatio-events-dlq': [] });
  });

  it('is still healthy afterwards, and still accepts a valid event', async () => {
    const health = await fetch(`${runtime.url}/health`);
    const accepted = await post(runtime.opencxWebhookUrl, json(validOpenCx('conversation.started')));

    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    expect(accepted.status).toBe(202);
  });
});
