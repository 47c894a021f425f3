import type { OpenCxQueueMessage } from '../../schemas/queue-messages';
import type { AiFieldMapping, Channel, TenantConfig } from '../../schemas/tenant-config';
import type { OpenCxSession } from '../../opencx';
import type { LookupResolver } from './lookups';

/** Channel → the CaseOrigin name looked up when the tenant config has no GUID for it. */
const ORIGIN_NAME_BY_CHANNEL: Readonly<Record<string, string>> = {
  email: 'Email',
  phone_voice: 'Call',
  web_voice: 'Call',
  phone: 'Call',
  whatsapp: 'Chat',
  web: 'Chat',
  sms: 'Chat',
  messenger: 'Chat',
  instagram: 'Chat',
  slack: 'Chat',
  api: 'Chat',
};

export const originFor = async (config: TenantConfig, channel: string | undefined, lookups: LookupResolver): Promise<string | undefined> => {
  if (!channel) return undefined;
  const configured = config.cases.originByChannel[channel as Channel];
  if (configured) return configured;
  const name = ORIGIN_NAME_BY_CHANNEL[channel];
  return name ? lookups.resolve('CaseOrigin', name) : undefined;
};

const asText = (value: unknown): string | undefined => {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
};

/** The value an AI-field mapping reads, from the re-read session first and the webhook hint second. */
export const aiFieldSourceValue = (mapping: AiFieldMapping, session: OpenCxSession, hint: OpenCxQueueMessage | undefined): string | undefined => {
  const source = mapping.source;
  switch (source.kind) {
    case 'custom_data':
      return asText(session.custom_data?.[source.key]);
    case 'contact_custom_data':
      return asText(session.contact?.custom_data?.[source.key]);
    case 'sentiment':
      return asText(session.handoff?.sentiment) ?? asText(hint?.handoff?.sentiment) ?? asText(session.sentiment);
    case 'language':
      return asText(session.language) ?? asText(hint?.handoff?.language);
    case 'contact_reason':
      return asText(hint?.handoff?.contactReason) ?? asText((session as Record<string, unknown>).contact_reason);
  }
};

export interface AiFieldResult {
  readonly columns: Record<string, string>;
  /** Columns whose label had no GUID: left empty, never guessed (logged by column, not by value). */
  readonly unmapped: string[];
}

/**
 * AI-filled fields (design §3): text columns get the value (cut to the column's length); lookup
 * columns get the GUID of the label from the tenant's `labels`, else from the lookup's `Name` (once,
 * cached). An unknown label is left empty and reported.
 */
export const aiFieldColumns = async (config: TenantConfig, session: OpenCxSession, hint: OpenCxQueueMessage | undefined, lookups: LookupResolver): Promise<AiFieldResult> => {
  const columns: Record<string, string> = {};
  const unmapped: string[] = [];
  for (const mapping of config.aiFields) {
    const value = aiFieldSourceValue(mapping, session, hint);
    if (value === undefined) continue;
    if (mapping.type === 'text') {
      columns[mapping.column] = value.slice(0, mapping.maxLength);
      continue;
    }
    const label = value.toLowerCase();
    const configured = Object.entries(mapping.labels).find(([name]) => name.toLowerCase() === label)?.[1];
    const resolved = configured ?? (mapping.resolveByName && mapping.lookupCollection ? await lookups.resolve(mapping.lookupCollection, value) : undefined);
    if (resolved) columns[mapping.column] = resolved;
    else unmapped.push(mapping.column);
  }
  return { columns, unmapped };
};
