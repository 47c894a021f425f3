import type { Deadline } from '../deadline';
/**
 * Shapes of the Creatio records the bridge reads and writes (column names: creatio-detail.md §3).
 * Records come back with every column (PascalCase), lookups as `<Name>Id` GUIDs; an unset lookup is
 * the empty GUID, so read lookups with `lookupValue()`. Custom `Usr*` columns pass through untyped.
 */

export type CreatioRecord = { readonly Id: string } & Readonly<Record<string, unknown>>;

/** A create's outcome: `created: false` means a record with our Id already existed and was read back. */
export interface CreateResult<T extends CreatioRecord = CreatioRecord> {
  readonly record: T;
  readonly created: boolean;
}

export interface ODataPage<T> {
  readonly value: readonly T[];
  /** Present when the query asked for `$count`. */
  readonly count?: number;
}

/** Columns a write may carry: the known ones typed, custom columns allowed. */
type Columns = Record<string, unknown>;
type DateLike = string | Date;

export type ContactRecord = CreatioRecord & {
  readonly Name?: string;
  readonly Email?: string;
  readonly Phone?: string;
  readonly MobilePhone?: string;
};

export type ContactInput = Columns & {
  readonly Id?: string;
  /** Required by Creatio; ≤ 250 characters (truncated by the client). */
  readonly Name: string;
  readonly Email?: string;
  readonly Phone?: string;
  readonly MobilePhone?: string;
  readonly AccountId?: string;
};

export type CaseRecord = CreatioRecord & {
  readonly Number?: string;
  readonly Subject?: string;
  readonly Symptoms?: string;
  readonly StatusId?: string;
  readonly ContactId?: string;
  readonly OwnerId?: string;
  readonly GroupId?: string;
  readonly RegisteredOn?: string;
};

export type CaseInput = Columns & {
  readonly Id?: string;
  /** Required; ≤ 500 characters (truncated by the client). */
  readonly Subject: string;
  /** Required. */
  readonly StatusId: string;
  /** Required by the schema; the client sends now when omitted. */
  readonly RegisteredOn?: DateLike;
  readonly Symptoms?: string;
  readonly PriorityId?: string;
  readonly OriginId?: string;
  readonly CategoryId?: string;
  readonly ContactId?: string;
  readonly AccountId?: string;
  readonly OwnerId?: string;
  readonly GroupId?: string;
  readonly ParentCaseId?: string;
};

export type CasePatch = Columns & {
  readonly Subject?: string;
  readonly StatusId?: string;
  readonly Solution?: string;
  readonly ClosureCodeId?: string;
};

export type ActivityRecord = CreatioRecord & {
  readonly Title?: string;
  readonly Body?: string;
  readonly TypeId?: string;
  readonly CaseId?: string;
  readonly MessageTypeId?: string;
  readonly StatusId?: string;
  readonly CreatedById?: string;
};

export type ActivityInput = Columns & {
  readonly Id?: string;
  /** Required; ≤ 500 characters (truncated by the client). */
  readonly Title: string;
  readonly StartDate: DateLike;
  readonly DueDate: DateLike;
  readonly PriorityId: string;
  readonly ActivityCategoryId: string;
  readonly StatusId: string;
  readonly TypeId?: string;
  readonly CaseId?: string;
  readonly ContactId?: string;
  readonly OwnerId?: string;
  readonly Body?: string;
  readonly IsHtmlBody?: boolean;
  readonly MessageTypeId?: string;
  readonly Sender?: string;
  readonly Recepient?: string;
  readonly SendDate?: DateLike;
};

export type LookupCollection =
  | 'CaseStatus'
  | 'CasePriority'
  | 'CaseOrigin'
  | 'CaseCategory'
  | 'ActivityType'
  | 'ActivityCategory'
  | 'ActivityStatus'
  | 'ActivityPriority'
  | 'CommunicationType'
  | (string & {});

export type LookupRecord = CreatioRecord & { readonly Name?: string };

export interface CaseStatusInfo {
  readonly id: string;
  readonly name: string;
  readonly isFinal: boolean;
  readonly isResolved: boolean;
  readonly isPaused: boolean;
}

export type RequestKind = 'token' | 'get' | 'post' | 'patch' | 'delete' | 'batch';
export type RequestCounts = Readonly<Record<RequestKind, number>>;

/** Metrics hook: no URLs with queries, no bodies, no tokens. */
export type CreatioClientEvent =
  | {
      readonly type: 'request';
      readonly kind: RequestKind;
      /** e.g. `Case`, `$batch`, `connect/token` */
      readonly target: string;
      readonly status: number | undefined;
      readonly attempt: number;
      readonly durationMs: number;
      readonly failure?: 'timeout' | 'network';
    }
  | { readonly type: 'retry'; readonly kind: RequestKind; readonly target: string; readonly reason: string; readonly delayMs: number; readonly attempt: number }
  | { readonly type: 'token_refreshed' };

export interface CreatioClientConfig {
  /** e.g. https://mycompany.creatio.com; trailing slashes are removed. */
  readonly instanceUrl: string;
  /**
   * Identity Service base URL (token at `<identityUrl>/connect/token`). Defaults to the `-is` host for
   * `*.creatio.com` instances, otherwise to the instance URL itself (the local sandbox serves the token
   * endpoint on its own origin). On-site tenants should set it (system setting OAuth20IdentityServerUrl).
   */
  readonly identityUrl?: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Per-attempt timeout, default 5000 ms. */
  readonly timeoutMs?: number;
  /** Attempts per request for 429 / 5xx / network / timeout, default 4. A 401 refresh does not count. */
  readonly maxAttempts?: number;
  /** The invocation's time budget: caps each attempt's timeout, and no retry starts that would end after it. */
  readonly deadline?: Deadline;
  /** Bytes per `$batch` request (default 1 MB): larger batches are split, the parts after the first sent in parallel. */
  readonly maxBatchBytes?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** A Retry-After longer than this is not slept through: the RetryableError carries it instead (default 20 s). */
  readonly maxRetryAfterMs?: number;
  readonly tokenRefreshMarginMs?: number;
  /** '/0/odata' (default, .NET Framework and all cloud tenants) or '/odata' (.NET Core / .NET 8 on-site). */
  readonly odataRoot?: string;
  readonly fetch?: typeof globalThis.fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly now?: () => number;
  /** Used for a create sent without an Id: every create carries one so that a retry is recognisable. */
  readonly newId?: () => string;
  readonly onEvent?: (event: CreatioClientEvent) => void;
}
