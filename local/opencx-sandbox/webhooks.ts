/**
 * Outbound webhooks, as OpenCX sends them: `{event, organization_id, data}` POSTed as JSON to the
 * bridge. Each POST is awaited with a short timeout and its outcome recorded; it never throws.
 */
import type { WebhookDelivery, WebhookEnvelope } from './types';

export interface WebhookSender {
  deliver(envelope: WebhookEnvelope, conversationId: string): Promise<WebhookDelivery>;
  /** Deliveries started and not yet finished. */
  whenIdle(): Promise<void>;
}

export const createWebhookSender = (options: {
  readonly url: () => string | undefined;
  readonly timeoutMs: number;
  readonly now: () => Date;
  readonly record: (delivery: WebhookDelivery) => void;
}): WebhookSender => {
  const pending = new Set<Promise<unknown>>();

  const post = async (envelope: WebhookEnvelope, conversationId: string): Promise<WebhookDelivery> => {
    const url = options.url();
    const at = options.now().toISOString();
    const started = Date.now();
    const base = { event: envelope.event, conversationId, envelope, url, at };
    if (!url) {
      const delivery: WebhookDelivery = { ...base, error: 'no webhook URL configured', durationMs: 0 };
      options.record(delivery);
      return delivery;
    }
    let delivery: WebhookDelivery;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'OpenCX-Sandbox/1.0' },
        body: JSON.stringify(envelope),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      await response.arrayBuffer().catch(() => undefined);
      delivery = { ...base, status: response.status, durationMs: Date.now() - started };
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
      const reason =
        name === 'TimeoutError' || name === 'AbortError'
          ? `timed out after ${options.timeoutMs} ms`
          : typeof cause === 'string'
            ? cause
            : error instanceof Error
              ? error.message
              : 'delivery failed';
      delivery = { ...base, error: reason, durationMs: Date.now() - started };
    }
    options.record(delivery);
    return delivery;
  };

  return {
    deliver(envelope, conversationId) {
      const promise = post(envelope, conversationId);
      pending.add(promise);
      void promise.finally(() => pending.delete(promise));
      return promise;
    },
    async whenIdle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
};
