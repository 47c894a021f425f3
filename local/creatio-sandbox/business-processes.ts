/**
 * The two Creatio business processes a tenant admin sets up (docs/creatio-business-processes.md),
 * emulated on the sandbox's record hooks:
 *
 * - "OpenCX: agent reply": signal Activity **added**, filter "Case is filled" (and, optionally, Type
 *   in the reply types and Created by ≠ the integration user) → Call web service POST
 *   `{event_type: "new_activity", caseId, activityId}`.
 * - "OpenCX: case status": signal Case **modified**, only when Status changed → Call web service POST
 *   `{event_type: "case_updated", caseId, modifiedOn}`.
 *
 * Like Creatio's "Call web service" element, a call is fire-and-forget from the record's point of
 * view (the OData request has already been answered) and is not retried; each call is recorded.
 */
import { EMPTY_GUID, type SandboxRecord, type StoreHooks } from './store';

export interface BusinessProcessCall {
  readonly at: string;
  readonly body: Readonly<Record<string, string>>;
  /** The bridge's HTTP status; undefined when it was not reached (see `error`) or no URL was set. */
  readonly status?: number;
  readonly error?: string;
}

export interface BusinessProcessOptions {
  /** The bridge's Creatio webhook URL, token included (may be set later with `setWebhookUrl`). */
  readonly webhookUrl?: string;
  /** Start the agent-reply process only for these activity types (default: any type; the bridge filters). */
  readonly activityTypeIds?: readonly string[];
  /**
   * The "Created by ≠ integration user" filter: activities created by this contact do not start the
   * agent-reply process. Off by default, so that the bridge's own echo guard is exercised.
   */
  readonly excludeCreatedById?: string;
  /** Per call; default 5000 ms. */
  readonly timeoutMs?: number;
  readonly fetch?: typeof globalThis.fetch;
  readonly now?: () => Date;
}

export interface CreatioBusinessProcesses {
  /** Pass to `startCreatioSandbox` (`onRecordAdded` / `onRecordModified`). */
  readonly hooks: Required<Pick<StoreHooks, 'onRecordAdded' | 'onRecordModified'>>;
  /** Every call made so far, oldest first. */
  readonly calls: readonly BusinessProcessCall[];
  setWebhookUrl(url: string | undefined): void;
  /** Switch both processes off or on (a deactivated process in Creatio). */
  setEnabled(enabled: boolean): void;
  readonly enabled: boolean;
}

const filled = (value: unknown): value is string => typeof value === 'string' && value !== '' && value !== EMPTY_GUID;
const same = (a: unknown, b: string): boolean => typeof a === 'string' && a.toLowerCase() === b.toLowerCase();

export const createBusinessProcesses = (options: BusinessProcessOptions = {}): CreatioBusinessProcesses => {
  let webhookUrl = options.webhookUrl;
  let enabled = true;
  const calls: BusinessProcessCall[] = [];
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const now = options.now ?? (() => new Date());
  const timeoutMs = options.timeoutMs ?? 5_000;

  const callWebService = async (body: Record<string, string>): Promise<void> => {
    const at = now().toISOString();
    if (!webhookUrl) {
      calls.push({ at, body });
      return;
    }
    try {
      const response = await fetchImpl(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.arrayBuffer();
      calls.push({ at, body, status: response.status });
    } catch (error) {
      calls.push({ at, body, error: error instanceof Error ? error.message : String(error) });
    }
  };

  const onRecordAdded = async (collection: string, record: SandboxRecord): Promise<void> => {
    if (!enabled || collection !== 'Activity' || !filled(record.CaseId)) return;
    if (options.activityTypeIds && !options.activityTypeIds.some((typeId) => same(record.TypeId, typeId))) return;
    if (options.excludeCreatedById && same(record.CreatedById, options.excludeCreatedById)) return;
    await callWebService({ event_type: 'new_activity', caseId: record.CaseId, activityId: record.Id });
  };

  const onRecordModified = async (collection: string, before: SandboxRecord, after: SandboxRecord): Promise<void> => {
    if (!enabled || collection !== 'Case' || before.StatusId === after.StatusId) return;
    await callWebService({
      event_type: 'case_updated',
      caseId: after.Id,
      ...(typeof after.ModifiedOn === 'string' ? { modifiedOn: after.ModifiedOn } : {}),
    });
  };

  return {
    hooks: { onRecordAdded, onRecordModified },
    calls,
    setWebhookUrl(url) {
      webhookUrl = url;
    },
    setEnabled(next) {
      enabled = next;
    },
    get enabled() {
      return enabled;
    },
  };
};
