import { isSupportedCountry } from 'libphonenumber-js';
import * as z from 'zod';

/**
 * Per-tenant configuration (design §6). Read by `bin/app.ts` at synth time and passed to the Lambdas
 * as one JSON environment variable; never holds credentials (those live in Secrets Manager).
 */
const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a Creatio GUID like 00000000-0000-0000-0000-000000000000');

/** Plain http only to this machine (the local sandboxes); anything that leaves it must be https. */
export const isAllowedTenantUrl = (value: string): boolean => {
  try {
    const url = new URL(value);
    if (url.protocol === 'https:') return true;
    return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  } catch {
    return false;
  }
};

const httpsUrl = (what: string) =>
  z
    .string()
    .url(`must be the ${what} as a full URL, e.g. https://mycompany.creatio.com`)
    .refine((value) => !value.endsWith('/'), `must not end with a slash (Creatio rejects ".../" with "Invalid credentials")`)
    .refine(isAllowedTenantUrl, 'must be an https:// URL (plain http only for a local sandbox on 127.0.0.1 / localhost)');

/** ISO 3166-1 alpha-2 codes libphonenumber knows (the ones that have phone numbering plans). */
const countryCode = z
  .string()
  .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code in capitals, e.g. US or DE')
  .refine((value) => isSupportedCountry(value), 'is not a country code with a phone numbering plan (ISO 3166-1 alpha-2, e.g. US or DE)');

export const CHANNELS = ['email', 'whatsapp', 'web', 'sms', 'phone_voice', 'web_voice', 'slack', 'instagram', 'messenger', 'api'] as const;
export const channelSchema = z.enum(CHANNELS);
export type Channel = z.infer<typeof channelSchema>;

const aiFieldSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('custom_data'), key: z.string().min(1) }),
  z.object({ kind: z.literal('contact_custom_data'), key: z.string().min(1) }),
  z.object({ kind: z.literal('sentiment') }),
  z.object({ kind: z.literal('language') }),
  z.object({ kind: z.literal('contact_reason') }),
]);

const aiFieldMapping = z.object({
  /** Where the value comes from in OpenCX. */
  source: aiFieldSource,
  /** The Creatio Case column, e.g. `UsrProduct` or `PriorityId`. */
  column: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'must be a Creatio column name such as PriorityId or UsrProduct'),
  type: z.enum(['text', 'lookup']).default('text'),
  /** For lookup columns: the lookup object (e.g. CasePriority) whose `Name` is searched when a label is not in `labels`. */
  lookupCollection: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]*$/)
    .optional(),
  /** For lookup columns: label (case-insensitive) → GUID. */
  labels: z.record(z.string(), guid).default({}),
  /** For lookup columns: resolve unknown labels by the lookup's Name (once, cached). */
  resolveByName: z.boolean().default(true),
  /** Longest text written (Creatio text columns are usually 250 or 500 characters). */
  maxLength: z.number().int().positive().max(4000).default(250),
});

export const tenantConfigSchema = z
  .object({
    /** Lower-case name used in stack and resource names. */
    tenant: z.string().regex(/^[a-z][a-z0-9-]{1,30}$/, 'must be 2-31 lower-case letters, digits or dashes, starting with a letter'),
    /** AWS account and region to deploy to; when absent the CLI's environment is used. */
    aws: z
      .object({
        account: z
          .string()
          .regex(/^\d{12}$/)
          .optional(),
        region: z.string().min(1).optional(),
      })
      .default({}),
    creatio: z.object({
      instanceUrl: httpsUrl('Creatio instance URL'),
      /** Identity Service URL; defaults to the instance host with an `-is` suffix. */
      identityUrl: httpsUrl('Creatio Identity Service URL').optional(),
      /** `/0/odata` on .NET Framework instances, `/odata` on .NET Core / .NET 8 ones. */
      odataRoot: z.enum(['/0/odata', '/odata']).default('/0/odata'),
      /** Mailboxes that register cases: never used as an activity recipient (it would reopen cases). */
      caseRegistrationMailboxes: z.array(z.string().email()).default([]),
      /** The mailbox shown as sender / recipient of the bridge's email activities. */
      supportMailbox: z.string().email().optional(),
      /**
       * Country of phone numbers typed without a country code, in Creatio and on SMS / voice
       * (ISO 3166-1 alpha-2, e.g. `US`, `DE`). Without it such numbers match nothing.
       */
      defaultCountry: countryCode.optional(),
    }),
    opencx: z
      .object({
        apiUrl: httpsUrl('OpenCX API URL').default('https://api.open.cx'),
        /** Where "View session in OpenCX" links point; `{sessionId}` is replaced. */
        sessionUrlTemplate: z.string().includes('{sessionId}').default('https://platform.open.cx/inbox/{sessionId}'),
        /** The OpenCX organization id; webhooks for other organizations are refused. */
        organizationId: z.string().min(1).optional(),
      })
      .default({ apiUrl: 'https://api.open.cx', sessionUrlTemplate: 'https://platform.open.cx/inbox/{sessionId}' }),
    cases: z
      .object({
        createCaseOnlyOnHandoff: z.boolean().default(true),
        /**
         * Before a handoff (only with createCaseOnlyOnHandoff off), message events of a conversation synced less than this
         * long ago wait and are synced together: at most one OpenCX history read per conversation per window. 0 = off.
         */
        coalesceBeforeHandoffSeconds: z.number().int().min(0).max(300).default(20),
        /** A new conversation of a contact whose case is still open is appended to that case. */
        appendToOpenCase: z.boolean().default(true),
        /**
         * How long the bridge trusts the status it remembers for a contact's open case before reading the case again
         * (one Creatio round trip fewer per appended handoff). 0 = always read. See docs/performance.md.
         */
        caseStatusMaxAgeSeconds: z.number().int().min(0).max(3600).default(300),
        defaultOwnerId: guid.optional(),
        defaultGroupId: guid.optional(),
        /** CaseStatus set when OpenCX resolves a conversation; required for two-way resolution. */
        resolvedStatusId: guid.optional(),
        newStatusId: guid.default('ae5f2f10-f46b-1410-fd9a-0050ba5d6c38'),
        /** CaseStatus a Resolved (not final) case gets when a new conversation is appended to it (default Creatio's "Reopened"). */
        reopenedStatusId: guid.default('f063ebbe-fdc6-4982-8431-d8cfa52fedcf'),
        priorityId: guid.default('d9bd322c-f46b-1410-ee8c-0050ba5d6c38'),
        /** Channel → CaseOrigin id. A channel missing here is resolved by origin name or left empty. */
        originByChannel: z.partialRecord(channelSchema, guid).default({}),
      })
      .default({
        createCaseOnlyOnHandoff: true,
        coalesceBeforeHandoffSeconds: 20,
        appendToOpenCase: true,
        caseStatusMaxAgeSeconds: 300,
        newStatusId: 'ae5f2f10-f46b-1410-fd9a-0050ba5d6c38',
        reopenedStatusId: 'f063ebbe-fdc6-4982-8431-d8cfa52fedcf',
        priorityId: 'd9bd322c-f46b-1410-ee8c-0050ba5d6c38',
        originByChannel: {},
      }),
    aiFields: z.array(aiFieldMapping).default([]),
    agentReplies: z
      .object({
        /** ActivityType ids that count as an agent's reply (default: Email). */
        activityTypeIds: z.array(guid).min(1).default(['e2831dec-cfc0-df11-b00f-001d60e938c6']),
        /** Email message direction that counts as a reply (default: Outgoing). */
        outgoingMessageTypeId: guid.default('7f6d3f94-f36b-1410-068c-20cf30b39373'),
        whatsappWindowHours: z.number().positive().max(168).default(24),
      })
      .default({
        activityTypeIds: ['e2831dec-cfc0-df11-b00f-001d60e938c6'],
        outgoingMessageTypeId: '7f6d3f94-f36b-1410-068c-20cf30b39373',
        whatsappWindowHours: 24,
      }),
    /** Attachments both ways (issue 15). Absent = the defaults. */
    attachments: z
      .object({
        /** Customer files larger than this stay a link in the activity (Creatio's MaxFileSize default: 10 MB). */
        maxFileBytes: z
          .number()
          .int()
          .positive()
          .max(100 * 1024 * 1024)
          .default(10 * 1024 * 1024),
        /** Hosts attachment URLs (and their redirects) must be on, e.g. `*.open.cx`; empty = any public host. */
        allowedHosts: z.array(z.string().regex(/^(\*\.)?[a-z0-9.-]+$/i, 'must be a host name, or *.domain')).default([]),
        /** Whole download of one file. */
        downloadTimeoutMs: z.number().int().positive().max(60_000).default(20_000),
        /** Optional Case text column that records the OpenCX session id (marks the case as coming from OpenCX). */
        caseSessionColumn: z
          .string()
          .regex(/^[A-Za-z][A-Za-z0-9_]*$/)
          .optional(),
      })
      .default({ maxFileBytes: 10 * 1024 * 1024, allowedHosts: [], downloadTimeoutMs: 20_000 }),
    api: z
      .object({
        rateLimit: z.number().int().positive().max(10000).default(50),
        burstLimit: z.number().int().positive().max(5000).default(100),
      })
      .default({ rateLimit: 50, burstLimit: 100 }),
    alarms: z
      .object({
        email: z.string().email('must be the e-mail address that receives alarms').optional(),
        oldestMessageAgeSeconds: z.number().int().positive().default(900),
      })
      .default({ oldestMessageAgeSeconds: 900 }),
    logRetentionDays: z.union([z.literal(7), z.literal(14), z.literal(30), z.literal(60), z.literal(90), z.literal(180), z.literal(365)]).default(30),
  })
  .strict();

export type TenantConfig = z.infer<typeof tenantConfigSchema>;
export type TenantConfigInput = z.input<typeof tenantConfigSchema>;
export type AiFieldMapping = z.infer<typeof aiFieldMapping>;

export class TenantConfigError extends Error {
  override readonly name = 'TenantConfigError';
}

/** One line per problem, each naming the field: `creatio.instanceUrl: must not end with a slash`. */
export const formatIssues = (issues: readonly z.core.$ZodIssue[]): string[] => issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`);

export const parseTenantConfig = (input: unknown, source = 'tenant config'): TenantConfig => {
  const result = tenantConfigSchema.safeParse(input);
  if (!result.success) {
    throw new TenantConfigError(`${source} is invalid:\n  ${formatIssues(result.error.issues).join('\n  ')}`);
  }
  return result.data;
};
