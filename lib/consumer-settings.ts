/**
 * How the queue consumers run, deployed and locally (the local runtime mirrors these, so tests see what
 * Lambda would do): function timeout, SQS batch size and the event source's maximum concurrency.
 * No CDK import: local/runtime.ts reads it too.
 */
export const CONSUMER_SETTINGS = {
  timeoutSeconds: 60,
  batchSize: 10,
  maxConcurrency: 5,
} as const;
