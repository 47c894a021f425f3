import { CreatioClient, filter } from '../../functions/shared/creatio';
import { PermanentError, RetryableError } from '../../functions/shared/errors';
import { createOpenCxClient } from '../../functions/shared/opencx';
import type { TenantConfig } from '../../functions/shared/schemas/tenant-config';
import { redactor, table, type Io } from './io';
import { readCreatioCredentials, readOpenCxApiKey, SecretProblem, type SecretStore } from './secret-store';
import type { Endpoints, Target } from './target';

export type CheckResult = 'ok' | 'FAIL' | 'WARN' | 'skip';

export interface CheckRow {
  readonly check: string;
  readonly result: CheckResult;
  /** What was found (never a secret value). */
  readonly detail: string;
  /** What to do about it; empty when nothing. */
  readonly fix: string;
}

export interface CheckOptions {
  readonly tenant: string;
  readonly config: TenantConfig;
  readonly endpoints: Endpoints;
  readonly secrets: SecretStore;
  readonly fetch?: typeof globalThis.fetch;
  /** Per HTTP attempt (default 10 s). */
  readonly timeoutMs?: number;
}

/** A session id no one has: OpenCX answers 404 to a valid key and 401/403 to a wrong one. */
export const OPENCX_PROBE_SESSION = 'opencx-creatio-sync-credentials-check';

const ok = (check: string, detail: string): CheckRow => ({ check, result: 'ok', detail, fix: '' });
const fail = (check: string, detail: string, fix: string): CheckRow => ({ check, result: 'FAIL', detail, fix });
const warn = (check: string, detail: string, fix: string): CheckRow => ({ check, result: 'WARN', detail, fix });
const skip = (check: string, detail: string): CheckRow => ({ check, result: 'skip', detail, fix: '' });

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * The seed troubleshooting causes of Creatio "Invalid credentials" and friends, as fixes. The token
 * error (functions/shared/creatio/creatio-errors.ts, tokenFailureError) carries the OAuth error code.
 */
const tokenFix = (error: unknown, tenant: string, fillHint: string, identityUrl: string): string => {
  if (error instanceof RetryableError) {
    return `Creatio's identity service cannot be reached at ${identityUrl}: check creatio.instanceUrl / creatio.identityUrl in tenants/${tenant}.json (cloud: https://<name>-is.creatio.com) and the network.`;
  }
  const code = error instanceof PermanentError ? error.code : undefined;
  const status = error instanceof PermanentError ? error.status : undefined;
  if (code === 'invalid_client') {
    return `The client id or secret is wrong, expired or was regenerated: copy both again from Creatio (System Designer → OAuth 2.0 integrated applications; the secret is shown once). ${fillHint}`;
  }
  if (code === 'unsupported_grant_type' || code === 'unauthorized_client') {
    return 'In Creatio, set the OAuth 2.0 integrated application to the Client Credentials grant (it is on another grant type).';
  }
  if (code === 'html_response' || status === 404 || status === 405) {
    return `Fix the URL in tenants/${tenant}.json: creatio.instanceUrl without a trailing slash, and creatio.identityUrl (cloud: the "-is" host, e.g. https://mycompany-is.creatio.com). Token URL used: ${identityUrl}/connect/token.`;
  }
  return `In order of likelihood: URL with a trailing slash or wrong identity-service URL; OAuth app not on the Client Credentials grant; expired or regenerated secret (${fillHint})`;
};

/** What a failed OData read means for the operator (401 after a fresh token, 403, HTML, unknown GUID…). */
const odataFix = (error: unknown, what: string): string => {
  if (error instanceof RetryableError) return "Creatio did not answer in time or was throttled: run check again; if it persists, look at the instance's health.";
  if (error instanceof PermanentError) {
    if (error.status === 401) return 'Give the OAuth app\'s system user the "Access to OData" operation (CanUseODataService) and make sure the user is active.';
    if (error.status === 403) return `Missing permissions: give the OAuth app's system user read access to ${what} (and create rights on Case, Activity, Contact).`;
    if (error.code === 'html_response') return 'The instance URL or OData root is wrong: creatio.odataRoot is /0/odata on cloud and .NET Framework, /odata on .NET 8 on-site.';
  }
  return `Read ${what} by hand in Creatio to see what is wrong.`;
};

type Lookup = (collection: string, id: string) => Promise<boolean>;

const guidRow = async (check: string, collection: string, id: string | undefined, lookup: Lookup, configPath: string, hint = ''): Promise<CheckRow> => {
  if (!id) return skip(check, `not configured (${configPath})`);
  try {
    if (await lookup(collection, id)) return ok(check, `${collection} ${id} exists`);
    return fail(check, `no ${collection} with id ${id}`, `Wrong GUID in ${configPath}: copy it from Creatio${hint ? ` (${hint})` : ''}.`);
  } catch (error) {
    return fail(check, `could not read ${collection} ${id}: ${message(error)}`, odataFix(error, collection));
  }
};

/**
 * `check`: reads the credentials, gets a Creatio token, reads every GUID the tenant config points at,
 * and makes one authenticated OpenCX call. Each row says what is right or wrong and the fix.
 */
export const runChecks = async (options: CheckOptions): Promise<CheckRow[]> => {
  const { config, endpoints, secrets, tenant } = options;
  const rows: CheckRow[] = [];
  const file = `tenants/${tenant}.json`;

  // ---- Creatio ---------------------------------------------------------------------------------
  let creatio: CreatioClient | undefined;
  if (/\/\s*$/.test(endpoints.creatioUrl) || (endpoints.creatioIdentityUrl && /\/\s*$/.test(endpoints.creatioIdentityUrl))) {
    rows.push(fail('Creatio URL', `${endpoints.creatioUrl} ends with a slash`, 'Remove the trailing slash: Creatio answers "Invalid credentials" to ".../".'));
  } else {
    rows.push(ok('Creatio URL', `${endpoints.creatioUrl}${endpoints.creatioIdentityUrl ? ` (identity service ${endpoints.creatioIdentityUrl})` : ''}`));
  }
  try {
    const credentials = await readCreatioCredentials(secrets);
    rows.push(ok('Creatio credentials', `present (${secrets.describe('creatio')})`));
    creatio = new CreatioClient({
      instanceUrl: endpoints.creatioUrl,
      ...(endpoints.creatioIdentityUrl ? { identityUrl: endpoints.creatioIdentityUrl } : {}),
      odataRoot: config.creatio.odataRoot,
      clientId: credentials.clientId,
      clientSecret: credentials.clientSecret,
      timeoutMs: options.timeoutMs ?? 10_000,
      maxAttempts: 2,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  } catch (error) {
    // A SecretProblem already says how to fill the value: not repeated as the fix.
    rows.push(fail('Creatio credentials', message(error), error instanceof SecretProblem ? '' : 'See the message.'));
  }

  let tokenOk = false;
  if (creatio) {
    try {
      await creatio.verifyCredentials();
      tokenOk = true;
      rows.push(ok('Creatio token', `issued by ${creatio.identityUrl}/connect/token (client credentials grant)`));
    } catch (error) {
      rows.push(fail('Creatio token', message(error), tokenFix(error, tenant, secrets.fillHint, creatio.identityUrl)));
    }
  }

  const creatioChecks: [string, (lookup: Lookup, client: CreatioClient) => Promise<CheckRow>][] = [
    ['New case status', async (lookup) => guidRow('New case status', 'CaseStatus', config.cases.newStatusId, lookup, 'cases.newStatusId')],
    [
      'Default owner (Contact)',
      async (lookup) =>
        guidRow('Default owner (Contact)', 'Contact', config.cases.defaultOwnerId, lookup, 'cases.defaultOwnerId', "OwnerId is the employee's Contact id, not a user or role id"),
    ],
    [
      'Default group (role)',
      async (_lookup, client) => {
        const check = 'Default group (role)';
        const id = config.cases.defaultGroupId;
        if (!id) return skip(check, 'not configured (cases.defaultGroupId)');
        try {
          const page = await client.query('SysAdminUnit', { filter: filter.eq('Id', id), select: ['Id', 'Name'], top: 1 });
          return page.value.length
            ? ok(check, `SysAdminUnit ${id} exists${typeof page.value[0]?.Name === 'string' ? ` (${page.value[0].Name})` : ''}`)
            : fail(check, `no role (SysAdminUnit) with id ${id}`, "Wrong GUID in cases.defaultGroupId: copy the role's id from Creatio (Organizational roles / Functional roles).");
        } catch (error) {
          if (error instanceof PermanentError && error.kind === 'not_found') {
            return warn(check, `${id}: this instance does not expose SysAdminUnit over OData, so the group cannot be verified`, 'Verify the GUID by hand in Creatio.');
          }
          return fail(check, `could not read SysAdminUnit ${id}: ${message(error)}`, odataFix(error, 'SysAdminUnit'));
        }
      },
    ],
    [
      'Resolved status',
      async (_lookup, client) => {
        const check = 'Resolved status';
        const id = config.cases.resolvedStatusId;
        if (!id) return warn(check, 'cases.resolvedStatusId is not set: OpenCX resolutions are not written to Creatio', 'Set it to the CaseStatus id of "Resolved".');
        try {
          const status = await client.getCaseStatus(id);
          if (!status) return fail(check, `no CaseStatus with id ${id}`, 'Wrong GUID in cases.resolvedStatusId: copy the status id from Creatio (Lookups → Case statuses).');
          if (!status.isResolved && !status.isFinal) {
            return warn(check, `CaseStatus ${id} ("${status.name}") is neither resolved nor final`, 'Check that cases.resolvedStatusId is the "Resolved" status.');
          }
          return ok(check, `CaseStatus ${id} ("${status.name}")`);
        } catch (error) {
          return fail(check, `could not read CaseStatus ${id}: ${message(error)}`, odataFix(error, 'CaseStatus'));
        }
      },
    ],
    ['Case priority', async (lookup) => guidRow('Case priority', 'CasePriority', config.cases.priorityId, lookup, 'cases.priorityId')],
    [
      'Case origins',
      async (lookup) => {
        const check = 'Case origins';
        const entries = Object.entries(config.cases.originByChannel);
        if (entries.length === 0) return skip(check, 'no cases.originByChannel: origins are resolved by name or left empty');
        const bad: string[] = [];
        try {
          for (const [channel, id] of entries) if (id && !(await lookup('CaseOrigin', id))) bad.push(`${channel} → ${id}`);
        } catch (error) {
          return fail(check, `could not read CaseOrigin: ${message(error)}`, odataFix(error, 'CaseOrigin'));
        }
        return bad.length
          ? fail(check, `no CaseOrigin for ${bad.join(', ')}`, 'Wrong GUID in cases.originByChannel: copy it from Creatio (Lookups → Case origins).')
          : ok(check, `${entries.length} channel(s): ${entries.map(([channel]) => channel).join(', ')}`);
      },
    ],
    [
      'AI field lookups',
      async (lookup) => {
        const check = 'AI field lookups';
        const fields = config.aiFields.filter((field) => field.type === 'lookup' && Object.keys(field.labels).length > 0);
        if (fields.length === 0) return skip(check, 'no lookup labels in aiFields');
        const bad: string[] = [];
        const unverifiable: string[] = [];
        try {
          for (const field of fields) {
            if (!field.lookupCollection) {
              unverifiable.push(field.column);
              continue;
            }
            for (const [label, id] of Object.entries(field.labels)) if (!(await lookup(field.lookupCollection, id))) bad.push(`${field.column} "${label}" → ${id}`);
          }
        } catch (error) {
          return fail(check, `could not read a lookup: ${message(error)}`, odataFix(error, 'the aiFields lookups'));
        }
        if (bad.length) return fail(check, `no such record for ${bad.join(', ')}`, 'Wrong GUID in aiFields[].labels: copy it from the lookup in Creatio.');
        if (unverifiable.length)
          return warn(check, `cannot verify ${unverifiable.join(', ')} without lookupCollection`, 'Add lookupCollection (e.g. CasePriority) to those aiFields.');
        return ok(check, fields.map((field) => `${field.column} (${Object.keys(field.labels).length} labels)`).join(', '));
      },
    ],
    [
      'Agent reply activity types',
      async (lookup) => {
        const check = 'Agent reply activity types';
        const bad: string[] = [];
        try {
          for (const id of config.agentReplies.activityTypeIds) if (!(await lookup('ActivityType', id))) bad.push(id);
        } catch (error) {
          return fail(check, `could not read ActivityType: ${message(error)}`, odataFix(error, 'ActivityType'));
        }
        return bad.length
          ? fail(check, `no ActivityType ${bad.join(', ')}`, 'Wrong GUID in agentReplies.activityTypeIds.')
          : ok(check, `${config.agentReplies.activityTypeIds.length} type(s)`);
      },
    ],
  ];
  if (creatio && tokenOk) {
    const client = creatio;
    const lookup: Lookup = async (collection, id) => (await client.get(collection, id, { select: ['Id'] })) !== null;
    for (const [, run] of creatioChecks) rows.push(await run(lookup, client));
  } else {
    for (const [check] of creatioChecks) rows.push(skip(check, 'needs a Creatio token'));
  }

  // ---- OpenCX ----------------------------------------------------------------------------------
  let apiKey: string | undefined;
  try {
    apiKey = (await readOpenCxApiKey(secrets)).apiKey;
    rows.push(ok('OpenCX API key', `present (${secrets.describe('opencx')})`));
  } catch (error) {
    rows.push(fail('OpenCX API key', message(error), error instanceof SecretProblem ? '' : 'See the message.'));
  }
  if (apiKey) {
    const check = 'OpenCX API';
    const opencx = createOpenCxClient({
      apiKey,
      baseUrl: endpoints.opencxApiUrl,
      maxAttempts: 1,
      timeoutMs: options.timeoutMs ?? 10_000,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    try {
      await opencx.getSession(OPENCX_PROBE_SESSION);
      rows.push(ok(check, `${endpoints.opencxApiUrl} accepted the key`));
    } catch (error) {
      if (error instanceof PermanentError && error.kind === 'not_found') {
        rows.push(ok(check, `${endpoints.opencxApiUrl} accepted the key (probe session not found, as expected)`));
      } else if (error instanceof PermanentError && error.status === 401) {
        rows.push(fail(check, message(error), `The key is wrong or was revoked: create one in OpenCX (Settings → Access). ${secrets.fillHint}`));
      } else if (error instanceof PermanentError && error.status === 403) {
        rows.push(fail(check, message(error), 'The key lacks access: give it the chat-sessions:read and chat-sessions:write scopes, or use a full-access key.'));
      } else if (error instanceof RetryableError) {
        rows.push(fail(check, message(error), `Cannot reach ${endpoints.opencxApiUrl}: check opencx.apiUrl in ${file} and the network.`));
      } else {
        rows.push(fail(check, message(error), `Check opencx.apiUrl in ${file}.`));
      }
    }
  } else {
    rows.push(skip('OpenCX API', 'needs the API key'));
  }
  return rows;
};

/** `check`: prints the table; exit code 1 when any row failed. No secret value can reach the output. */
export const runCheck = async (target: Target, io: Io, extra: { readonly fetch?: typeof globalThis.fetch; readonly timeoutMs?: number } = {}): Promise<number> => {
  const rows = await runChecks({ tenant: target.tenant, config: target.config, endpoints: target.endpoints, secrets: target.secrets, ...extra });
  const secretValues = await Promise.all([readCreatioCredentials(target.secrets).catch(() => undefined), readOpenCxApiKey(target.secrets).catch(() => undefined)]);
  const redact = redactor([secretValues[0]?.clientSecret, secretValues[0]?.clientId, secretValues[1]?.apiKey]);
  io.out(`${target.tenant}: ${target.description}`);
  for (const line of table(
    ['check', 'result', 'detail → fix'],
    rows.map((row) => [row.check, row.result, redact(row.fix ? `${row.detail} → ${row.fix}` : row.detail)]),
  )) {
    io.out(line);
  }
  const failed = rows.filter((row) => row.result === 'FAIL').length;
  io.out(failed ? `${failed} check(s) failed.` : 'All checks passed.');
  return failed ? 1 : 0;
};
