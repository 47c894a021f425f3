/**
 * A Creatio look-alike for local runs and integration tests (issue 3):
 * - `POST /0/connect/token` (client credentials, form-encoded or HTTP Basic; 400 invalid_client /
 *   unsupported_grant_type / invalid_request), so `identityUrl` = `<url>/0`, and
 *   `/0/.well-known/openid-configuration` naming it; `<url>/connect/token` answers the HTML login page;
 * - text compared case-sensitively (PostgreSQL), phone numbers kept as typed, with
 *   `ContactCommunication.SearchNumber` (reversed digits) kept up to date as Creatio does;
 * - OData 4 under `/0/odata` with Bearer checks: GET/POST/PATCH/DELETE on Contact,
 *   ContactCommunication, Case, Activity and the case/activity lookups; `$filter` (eq ne gt ge lt le,
 *   and or not, contains/startswith/endswith, tolower/toupper/trim, `Case/Id eq <guid>` and
 *   `CaseId eq <guid>`), `$select`, `$orderby`, `$top`, `$skip`, `$count`, `$expand` (one level);
 *   JSON `$batch` (≤ 100 requests, stop at the first failure unless `Prefer: continue-on-error`);
 * - faults (500, 429 + Retry-After, connection reset, hang) and latency, by option, by environment
 *   (`sandboxOptionsFromEnv`) or at run time through `POST /_sandbox/faults` / `/_sandbox/latency`;
 * - a read-only view at `/_sandbox` (HTML) and `/_sandbox/api/<Collection>` (JSON);
 * - hooks `onRecordAdded` / `onRecordModified` / `onRecordDeleted` for emulating business processes.
 */
export {
  type CreatioSandbox,
  type CreatioSandboxFaults,
  type CreatioSandboxOptions,
  type FaultKind,
  type RequestLogEntry,
  startCreatioSandbox,
} from './server';
export { type SandboxRecord, SandboxStore, type StoreHooks, EMPTY_GUID, MAX_ROWS } from './store';
export { type ColumnDef, type ColumnType, type EntitySchema, buildSchemas } from './schema';
export { SEED_ROWS, SANDBOX_USER_CONTACT_ID, type SeedRow } from './seed';
export { SandboxError } from './sandbox-errors';
export { sandboxOptionsFromEnv } from './env';
export { createBusinessProcesses, type BusinessProcessOptions, type CreatioBusinessProcesses } from './business-processes';
