import { ValidationError } from '../errors';
import { signatureMatches, tokensMatch } from './webhook-auth';

/** 256 KiB, the most a webhook body may hold (design §2). */
export const MAX_BODY_BYTES = 256 * 1024;
/** Deeper JSON than this is not a webhook we know: refuse before parsing. */
export const MAX_JSON_DEPTH = 32;

export interface WebhookRequest {
  readonly pathToken: string | undefined;
  readonly rawBody: Buffer;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

export interface WebhookSecrets {
  readonly token: string;
  readonly signingKey?: string | undefined;
}

export interface OutgoingMessage {
  readonly groupId: string;
  readonly dedupId: string;
  readonly body: unknown;
}

export type Interpretation =
  | { readonly kind: 'ignored'; readonly event: string /** Why, when it is not simply an event we do not act on. */; readonly reason?: string }
  | { readonly kind: 'enqueue'; readonly event: string; readonly message: OutgoingMessage };

export interface HttpResult {
  readonly statusCode: number;
  readonly body: Record<string, unknown>;
}

export interface IngestDeps {
  readonly secrets: () => Promise<WebhookSecrets>;
  readonly enqueue: (message: OutgoingMessage) => Promise<void>;
  readonly now: () => Date;
}

export interface IngestOutcome {
  readonly result: HttpResult;
  /** For logs and metrics: what happened, without any content. */
  readonly outcome: 'accepted' | 'ignored' | 'unauthorized' | 'too_large' | 'invalid';
  readonly event?: string;
  readonly groupId?: string;
}

const problem = (statusCode: number, error: string, message: string, details?: readonly string[]): HttpResult => ({
  statusCode,
  body: details && details.length ? { error, message, details } : { error, message },
});

/** Scans raw JSON text for nesting depth without parsing it (strings are skipped). */
export const jsonDepthExceeds = (text: string, limit: number): boolean => {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth -= 1;
  }
  return false;
};

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The webhook pipeline, the same for both senders: authenticate the path token (constant time), refuse
 * oversized bodies, check the optional HMAC signature on the raw bytes, decode and parse, let the
 * contract interpret the event, and enqueue what is to be acted on. Nothing is enqueued unless every
 * check passed.
 */
export const ingestWebhook = async (request: WebhookRequest, deps: IngestDeps, interpret: (json: unknown, receivedAt: Date) => Interpretation): Promise<IngestOutcome> => {
  const secrets = await deps.secrets();
  if (!tokensMatch(secrets.token, request.pathToken)) {
    return {
      outcome: 'unauthorized',
      result: problem(
        401,
        'unauthorized',
        "The token in the webhook URL is not valid for this tenant. Build the URL from the stack output *WebhookUrlTemplate and the token in the tenant's webhook token secret, and paste it into the sender again.",
      ),
    };
  }
  if (request.rawBody.length > MAX_BODY_BYTES) {
    return {
      outcome: 'too_large',
      result: problem(
        413,
        'payload_too_large',
        `The body is ${request.rawBody.length} bytes; webhooks may be at most ${MAX_BODY_BYTES} bytes. Send only the ids (for Creatio: event_type, caseId, activityId).`,
      ),
    };
  }
  if (secrets.signingKey && !signatureMatches(secrets.signingKey, request.rawBody, request.headers['x-signature'])) {
    return {
      outcome: 'unauthorized',
      result: problem(401, 'bad_signature', "The X-Signature header is missing or is not the HMAC-SHA256 of the body with this tenant's signing key."),
    };
  }
  let text: string;
  try {
    text = decoder.decode(request.rawBody);
  } catch {
    return { outcome: 'invalid', result: problem(400, 'invalid_encoding', 'The body is not valid UTF-8 text. Send JSON encoded as UTF-8.') };
  }
  if (!text.trim()) {
    return { outcome: 'invalid', result: problem(400, 'empty_body', 'The body is empty. Send a JSON object.') };
  }
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
    return { outcome: 'invalid', result: problem(400, 'too_deep', `The JSON is nested more than ${MAX_JSON_DEPTH} levels deep; a webhook body is a flat object.`) };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message.replace(/\s+/g, ' ').slice(0, 120) : 'parse error';
    return { outcome: 'invalid', result: problem(400, 'invalid_json', `The body is not valid JSON (${detail}). Check the web service body in the sender.`) };
  }
  const receivedAt = deps.now();
  let interpretation: Interpretation;
  try {
    interpretation = interpret(json, receivedAt);
  } catch (error) {
    if (error instanceof ValidationError) {
      return { outcome: 'invalid', result: problem(error.statusCode, 'invalid_body', error.message, error.details) };
    }
    throw error;
  }
  if (interpretation.kind === 'ignored') {
    return {
      outcome: 'ignored',
      event: interpretation.event,
      result: { statusCode: 200, body: { ignored: interpretation.event, ...(interpretation.reason ? { reason: interpretation.reason } : {}) } },
    };
  }
  await deps.enqueue(interpretation.message);
  return {
    outcome: 'accepted',
    event: interpretation.event,
    groupId: interpretation.message.groupId,
    result: { statusCode: 202, body: { accepted: interpretation.message.dedupId } },
  };
};
