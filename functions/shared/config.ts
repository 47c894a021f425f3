import { parseTenantConfig, type TenantConfig } from './schemas/tenant-config';
import { requireEnv } from './env';

/** The tenant configuration the stack (or the local runtime) passed in `TENANT_CONFIG_JSON`, validated once. */
export const readTenantConfig = (env: NodeJS.ProcessEnv = process.env): TenantConfig => parseTenantConfig(JSON.parse(requireEnv('TENANT_CONFIG_JSON', env)), 'TENANT_CONFIG_JSON');

/** "View session in OpenCX" link for a session. */
export const sessionUrl = (config: TenantConfig, sessionId: string): string => config.opencx.sessionUrlTemplate.replace('{sessionId}', encodeURIComponent(sessionId));
