import { measureEveryConversation, measureRequestsPerHandoff, type EveryConversationRow, type RequestsRow } from '../../bench/requests-per-handoff';

/**
 * The request and state budgets of issue 13, asserted as counts (never times) through the same
 * harness `npm run bench` prints: the real sync code against the Creatio and OpenCX sandboxes and
 * dynalite. The shared OpenCX budget under 20 concurrent conversations is in
 * opencx-rate-budget-dynalite.test.ts.
 */
let handoffs: RequestsRow[];
let every: EveryConversationRow[];

beforeAll(async () => {
  handoffs = await measureRequestsPerHandoff({ sizes: [10, 200], runs: 1, creatioLatencyMs: 0 });
  every = await measureEveryConversation();
}, 120_000);

const row = (messages: number, contact: 'new' | 'known', client: 'cold' | 'warm') => {
  const found = handoffs.find((r) => r.messages === messages && r.contact === contact && r.client === client);
  if (!found) throw new Error(`no row for ${messages} ${contact} ${client}`);
  return found;
};

describe('request and state budgets per handoff', () => {
  it('writes at most 4 DynamoDB items for a 200-message handoff, the same as for 10 messages', () => {
    for (const contact of ['new', 'known'] as const) {
      expect(row(200, contact, 'warm').ours.dynamoWrites).toBeLessThanOrEqual(4);
      expect(row(200, contact, 'warm').ours.dynamoWrites).toBe(row(10, contact, 'warm').ours.dynamoWrites);
    }
  });

  it('reads at most 3 DynamoDB items for a handoff, new contact or known', () => {
    for (const contact of ['new', 'known'] as const) {
      expect(row(200, contact, 'warm').ours.dynamoReads).toBeLessThanOrEqual(3);
      expect(row(10, contact, 'cold').ours.dynamoReads).toBeLessThanOrEqual(3);
    }
  });

  it('sends a 200-message handoff to Creatio in round trips that grow only by the extra $batch chunks, with every message in a $batch', () => {
    for (const contact of ['new', 'known'] as const) {
      const small = row(10, contact, 'warm').ours;
      const large = row(200, contact, 'warm').ours;
      // 100 requests per $batch: 200 messages need two more chunks than 10 do, and nothing else grows.
      expect(large.creatio - small.creatio).toBeLessThanOrEqual(2);
      expect(large.creatioSubRequests).toBeGreaterThanOrEqual(200);
      expect(large.creatio).toBeLessThan(row(200, contact, 'warm').naive.creatio / 30);
    }
  });

  it("appends a known contact's handoff to the open case in 1 Creatio round trip with a warm client and 2 with a cold one", () => {
    // The case's status is remembered from the earlier handoff: no GET Case / CaseStatus, only the $batch (and the token, cold).
    expect(row(10, 'known', 'warm').ours.creatioSequential).toBeLessThanOrEqual(1);
    expect(row(10, 'known', 'cold').ours.creatioSequential).toBeLessThanOrEqual(2);
  });

  it('costs one OpenCX request (the history) per message event once the conversation has its case, in "every conversation" mode', () => {
    const live = every.find((r) => r.pattern.startsWith('one event per message'));

    // 20 messages, each its own sync: the first reads the session and the history to create the case, the rest only the history.
    expect(live?.messages).toBe(20);
    expect(live?.opencx).toBeLessThanOrEqual(21);
  });

  it('costs at most 3 OpenCX requests for a burst of 10 messages in "every conversation" mode', () => {
    const burst = every.find((r) => r.messages === 10);

    expect(burst?.opencx).toBeLessThanOrEqual(3);
  });
});
