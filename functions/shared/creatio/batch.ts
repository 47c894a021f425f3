import * as z from 'zod';
import type { PermanentError, RetryableError } from '../errors';
import type { CreatioRecord } from './creatio-types';
import { assertGuid, assertIdentifier } from './odata-query';

/**
 * OData `$batch` in Creatio's JSON format (creatio-detail.md §2.6; Academy "Batch request examples", High):
 * `POST <root>/$batch` with `{"requests":[{id, method, url, headers, body}]}`, URLs relative to the
 * OData root, at most 100 requests, execution stops at the first 4xx/5xx unless the batch carries
 * `Prefer: continue-on-error`. The answer is `{"responses":[{id, status, headers, body}]}` (the OData
 * 4.01 JSON batch format; Creatio's exact response shape: Medium).
 */
export const MAX_BATCH_REQUESTS = 100;

export type BatchOperation =
  | { readonly method: 'POST'; readonly collection: string; readonly body: Readonly<Record<string, unknown>> }
  | { readonly method: 'PATCH'; readonly collection: string; readonly id: string; readonly body: Readonly<Record<string, unknown>> }
  | { readonly method: 'DELETE'; readonly collection: string; readonly id: string }
  | { readonly method: 'GET'; readonly collection: string; readonly id: string };

/** Builders that validate names and ids up front. */
export const batchOp = {
  create: (collection: string, body: Readonly<Record<string, unknown>>): BatchOperation => ({
    method: 'POST',
    collection: assertIdentifier(collection),
    body,
  }),
  patch: (collection: string, id: string, body: Readonly<Record<string, unknown>>): BatchOperation => ({
    method: 'PATCH',
    collection: assertIdentifier(collection),
    id: assertGuid(id),
    body,
  }),
  delete: (collection: string, id: string): BatchOperation => ({ method: 'DELETE', collection: assertIdentifier(collection), id: assertGuid(id) }),
  get: (collection: string, id: string): BatchOperation => ({ method: 'GET', collection: assertIdentifier(collection), id: assertGuid(id) }),
};

interface ItemBase {
  /** Position in the operations passed to `batch()`. */
  readonly index: number;
  readonly operation: BatchOperation;
  /** The record id (for creates, the Id the client sent). */
  readonly id: string;
}

export type BatchItemResult =
  | (ItemBase & { readonly outcome: 'created'; readonly record: CreatioRecord })
  /** A create whose Id already existed: success for an idempotent writer. `record` only with `readBackExisting`. */
  | (ItemBase & { readonly outcome: 'already_existed'; readonly record?: CreatioRecord })
  | (ItemBase & { readonly outcome: 'updated' })
  | (ItemBase & { readonly outcome: 'deleted' })
  | (ItemBase & { readonly outcome: 'read'; readonly record: CreatioRecord })
  | (ItemBase & { readonly outcome: 'failed'; readonly status: number; readonly error: PermanentError | RetryableError })
  /** Skipped by Creatio because an earlier request failed and continue-on-error was off. */
  | (ItemBase & { readonly outcome: 'not_executed' });

export type BatchOutcome = BatchItemResult['outcome'];

/** Successful outcomes (including an already existing record). */
export const isBatchSuccess = (result: BatchItemResult): boolean => result.outcome !== 'failed' && result.outcome !== 'not_executed';

export interface BatchOptions {
  /** Send `Prefer: continue-on-error` (default true: later items run even if one fails). */
  readonly continueOnError?: boolean;
  /** Read records back (one more `$batch`) for creates that already existed. Default false. */
  readonly readBackExisting?: boolean;
  /** ≤ 100 (Creatio's limit); smaller for tests. */
  readonly maxRequestsPerBatch?: number;
  /** Bytes per `$batch` request (default the client's `maxBatchBytes`, else 1 MB). */
  readonly maxBatchBytes?: number;
}

export const batchResponseSchema = z.object({
  responses: z.array(
    z.looseObject({
      id: z.union([z.string(), z.number()]).transform(String),
      status: z.coerce.number().int(),
      headers: z.record(z.string(), z.unknown()).optional(),
      body: z.unknown().optional(),
    }),
  ),
});
export type BatchResponseItem = z.infer<typeof batchResponseSchema>['responses'][number];

/** Bytes one request adds to a `$batch` body (its JSON plus envelope). */
const requestBytes = (operation: BatchOperation): number => 200 + ('body' in operation ? Buffer.byteLength(JSON.stringify(operation.body)) : 0);

/** Splits operations, in order, into chunks of at most `size` requests and `maxBytes` bytes (an oversized single request goes alone). */
export const chunkOperations = <T extends { readonly operation: BatchOperation }>(items: readonly T[], size: number, maxBytes: number): T[][] => {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const cost = requestBytes(item.operation);
    if (current.length && (current.length >= size || bytes + cost > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += cost;
  }
  if (current.length) chunks.push(current);
  return chunks;
};
