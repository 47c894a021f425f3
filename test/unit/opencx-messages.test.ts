import { historyItemIds, isCustomerVisible, normaliseHistory, type OpenCxHistoryItem } from '../../functions/shared/opencx';
import emailHistory from '../../local/opencx-sandbox/seeds/history-email.json';
import whatsappHistory from '../../local/opencx-sandbox/seeds/history-whatsapp.json';

const item = (overrides: Partial<OpenCxHistoryItem> & { event: OpenCxHistoryItem['event'] }): OpenCxHistoryItem => ({
  created_at: '2026-11-20T10:00:00.000Z',
  ...overrides,
});

const text = (type: string, sender: string, body: string) => ({
  type,
  sender: { type: sender, name: `${sender} name` },
  content: { type: 'text', text: body },
  attachments: [],
});

describe('normaliseHistory', () => {
  it('maps the email example to customer, AI, handoff and internal comment', () => {
    const messages = normaliseHistory(emailHistory.items);

    expect(messages.map((m) => [m.id, m.kind, m.author])).toEqual([
      ['msg_01', 'message', 'customer'],
      ['msg_02', 'message', 'ai'],
      ['msg_03', 'message', 'customer'],
      ['msg_04', 'message', 'customer'],
      ['msg_05', 'handoff', 'system'],
      ['msg_06', 'internal_comment', 'agent'],
    ]);
    expect(messages[0]?.authorName).toBe('Dana Whitfield');
    expect(messages[0]?.attachments).toEqual([
      { id: 'att_9', name: 'statement-nov.pdf', size: 184233, type: 'application/pdf', url: 'https://files.example.net/att_9/statement-nov.pdf' },
    ]);
  });

  it('keeps the image and the voice note of the WhatsApp example as attachments of empty messages', () => {
    const messages = normaliseHistory(whatsappHistory.items);

    expect(messages[1]).toMatchObject({ text: '', author: 'customer', attachments: [{ name: 'IMG-20261121-WA0003.jpg', type: 'image/jpeg' }] });
    expect(messages[3]).toMatchObject({ text: '', attachments: [{ name: 'PTT-20261121-WA0004.opus', type: 'audio/ogg', size: 23110 }] });
  });

  it('understands the 2024 vocabulary: contact, human_agent, human_agent_comment and handoff_to_zendesk', () => {
    const messages = normaliseHistory([
      item({ id: 'a', event: text('message', 'contact', 'hi') }),
      item({ id: 'b', event: text('message', 'human_agent', 'hello') }),
      item({ id: 'c', event: text('human_agent_comment', 'human_agent', 'note') }),
      item({ id: 'd', event: text('handoff_to_zendesk', 'system', '') }),
      item({ id: 'e', event: text('agent_message', 'unknown', 'from the inbox') }),
      item({ id: 'f', event: text('closed_resolved_by_agent', 'system', '') }),
      item({ id: 'g', event: text('message', 'system', 'An agent will reply soon') }),
    ]);

    expect(messages.map((m) => [m.id, m.kind, m.author])).toEqual([
      ['a', 'message', 'customer'],
      ['b', 'message', 'agent'],
      ['c', 'internal_comment', 'agent'],
      ['d', 'handoff', 'system'],
      ['e', 'message', 'agent'],
      ['f', 'other', 'system'],
      ['g', 'system', 'system'],
    ]);
  });

  it('derives the same id for an item without one on every read, also when the read starts mid-history', () => {
    const items = [item({ id: 'x1', event: text('message', 'user', 'first') }), item({ event: text('message', 'user', 'no id here') })];

    const full = normaliseHistory(items);
    const tail = normaliseHistory(items.slice(1));

    expect(full[1]?.id).toMatch(/^derived-[0-9a-f]{24}$/);
    expect(tail[0]?.id).toBe(full[1]?.id);
    expect(historyItemIds(items)[1]).toBe(full[1]?.id);
  });

  it('gives two identical items without ids two different ids', () => {
    const same = item({ event: text('message', 'user', 'ok') });

    const [first, second] = normaliseHistory([same, { ...same }]);

    expect(first?.id).not.toBe(second?.id);
    expect(second?.id).toBe(`${first?.id}-1`);
  });

  it('orders messages oldest first and keeps OpenCX order for equal times', () => {
    const messages = normaliseHistory([
      item({ id: 'late', created_at: '2026-11-20T10:05:00.000Z', event: text('message', 'user', 'b') }),
      item({ id: 'early-1', created_at: '2026-11-20T10:00:00.000Z', event: text('message', 'user', 'a') }),
      item({ id: 'early-2', created_at: '2026-11-20T10:00:00.000Z', event: text('message', 'ai', 'a2') }),
    ]);

    expect(messages.map((m) => m.id)).toEqual(['early-1', 'early-2', 'late']);
  });

  it('fills attachment defaults when OpenCX leaves out the id, name or type', () => {
    const [message] = normaliseHistory([item({ id: 'm', event: { ...text('message', 'user', ''), attachments: [{ url: 'https://files.test/a/photo%201.png' }] } })]);

    expect(message?.attachments).toEqual([{ id: 'm-attachment-1', name: 'photo 1.png', type: 'application/octet-stream', url: 'https://files.test/a/photo%201.png' }]);
  });
});

describe('isCustomerVisible', () => {
  it('is true for customer, AI and agent messages and false for internal comments, handoffs and system events', () => {
    const visibility = normaliseHistory(emailHistory.items).map((m) => [m.id, isCustomerVisible(m)]);

    expect(visibility).toEqual([
      ['msg_01', true],
      ['msg_02', true],
      ['msg_03', true],
      ['msg_04', true],
      ['msg_05', false],
      ['msg_06', false],
    ]);
  });
});
