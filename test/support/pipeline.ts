import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { LocalRuntime } from '../../local/runtime';

/** Messages in the two work queues, visible or in flight (GetQueueAttributes). */
export const inQueues = async (runtime: LocalRuntime): Promise<number> => {
  const counts = await Promise.all(
    [runtime.aws.opencxEvents.url, runtime.aws.creatioEvents.url].map(async (QueueUrl) => {
      const answer = await runtime.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
      return Number(answer.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(answer.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
};

/**
 * Waits until both work queues are empty (nothing waiting, nothing in flight) and stay so for
 * `quietMs`: a consumer still retrying inside one invocation keeps its message in flight.
 */
export const drained = async (runtime: LocalRuntime, quietMs = 1500, timeoutMs = 40_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  let since = Date.now();
  for (;;) {
    const left = await inQueues(runtime);
    if (left > 0) since = Date.now();
    else if (Date.now() - since >= quietMs) return;
    if (Date.now() > deadline) throw new Error(`the queues did not drain (${left} messages left)`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};
