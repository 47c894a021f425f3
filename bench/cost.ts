/** AWS list prices (us-east-1, on-demand) used by the estimate; printed with it so a reader can check them. */
export const PRICES = {
  lambdaGbSecondArm: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  httpApiPerMillion: 1.0,
  sqsFifoPerMillion: 0.5,
  dynamoPerMillionWrites: 0.625,
  dynamoPerMillionReads: 0.125,
  logsPerGb: 0.5,
} as const;

export interface CostInputs {
  /** Measured: DynamoDB writes of one handoff sync. */
  readonly dynamoWritesPerHandoff: number;
  /** Measured: DynamoDB reads of one handoff sync. */
  readonly dynamoReadsPerHandoff: number;
  /** The Creatio latency the handoff sync was measured with (ms per request). */
  readonly creatioLatencyMs: number;
  /** Messages in the conversation (each one an OpenCX webhook). */
  readonly messagesPerConversation: number;
  /** Measured: median consumer time of the handoff sync, ms. */
  readonly handoffSyncMs: number;
}

export interface CostEstimate {
  readonly perTenThousandHandoffs: number;
  readonly lines: readonly { item: string; quantity: number; usd: number }[];
  readonly assumptions: readonly string[];
}

export const estimateCost = (inputs: CostInputs): CostEstimate => {
  const n = 10_000;
  const webhooks = inputs.messagesPerConversation + 3; // started + one per message + handoff + closed
  const apiRequests = webhooks * n;
  const webhookInvocations = webhooks * n;
  const consumerInvocations = webhooks * n; // worst case: no two events of a conversation share a batch
  const webhookGbS = webhookInvocations * 0.03 * 0.25; // 30 ms at 256 MB
  const consumerGbS = n * (inputs.handoffSyncMs / 1000) * 0.5 + (consumerInvocations - n) * 0.02 * 0.5; // the handoff sync, then 20 ms per skipped event, at 512 MB
  const sqsRequests = webhooks * n * 3; // send, receive, delete
  const dynamoWrites = inputs.dynamoWritesPerHandoff * n + n; // the handoff sync, and the closure's state write
  const dynamoReads = inputs.dynamoReadsPerHandoff * n + (consumerInvocations - n) * 1; // the handoff sync (measured), then the session state per other event (strongly consistent, < 4 KB)
  const logGb = ((webhookInvocations + consumerInvocations) * 2 * 600) / 1024 ** 3; // two ~600-byte JSON lines per invocation
  const lines = [
    { item: 'API Gateway HTTP API requests', quantity: apiRequests, usd: (apiRequests / 1e6) * PRICES.httpApiPerMillion },
    { item: 'Lambda requests', quantity: webhookInvocations + consumerInvocations, usd: ((webhookInvocations + consumerInvocations) / 1e6) * PRICES.lambdaPerMillionRequests },
    { item: 'Lambda GB-seconds (arm64)', quantity: Math.round(webhookGbS + consumerGbS), usd: (webhookGbS + consumerGbS) * PRICES.lambdaGbSecondArm },
    { item: 'SQS FIFO requests', quantity: sqsRequests, usd: (sqsRequests / 1e6) * PRICES.sqsFifoPerMillion },
    { item: 'DynamoDB write request units', quantity: dynamoWrites, usd: (dynamoWrites / 1e6) * PRICES.dynamoPerMillionWrites },
    { item: 'DynamoDB read request units', quantity: dynamoReads, usd: (dynamoReads / 1e6) * PRICES.dynamoPerMillionReads },
    { item: 'CloudWatch Logs ingestion (GB)', quantity: Math.round(logGb * 100) / 100, usd: logGb * PRICES.logsPerGb },
  ];
  return {
    perTenThousandHandoffs: lines.reduce((sum, line) => sum + line.usd, 0),
    lines,
    assumptions: [
      `each conversation has ${inputs.messagesPerConversation} messages, so ${webhooks} OpenCX webhooks (started, one per message, handoff, closed)`,
      'every webhook is one API request, one webhook Lambda invocation (30 ms, 256 MB) and one consumer invocation (worst case: no batching)',
      `the handoff sync takes ${inputs.handoffSyncMs} ms of consumer time (measured median, warm clients, known contact, with the Creatio sandbox answering after ${inputs.creatioLatencyMs} ms per request); other events 20 ms (assumed); consumers at 512 MB`,
      `DynamoDB: ${inputs.dynamoWritesPerHandoff} writes and ${inputs.dynamoReadsPerHandoff} reads per handoff sync (measured) plus one write at closure; one strongly consistent read per other consumer invocation`,
      'SQS: send + receive + delete per message; idle polling by the event source mappings is not included',
      `prices: ${Object.entries(PRICES)
        .map(([k, v]) => `${k} $${v}`)
        .join(', ')} (us-east-1 list prices)`,
      'fixed per tenant and month, not per handoff: 4 secrets ($1.60), 1 dashboard ($3.00), 9 alarms ($0.90), 1 KMS key for the alarm topic ($1.00)',
      'Creatio and OpenCX requests cost nothing on AWS but count against their own rate limits (OpenCX: 100/min)',
    ],
  };
};
