import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseTenantConfig, TenantConfigError, type TenantConfig } from '../functions/shared/schemas/tenant-config';

export const tenantConfigPath = (tenant: string, root = path.join(__dirname, '..')): string => path.join(root, 'tenants', `${tenant}.json`);

/** Reads and validates `tenants/<name>.json`; every problem is reported with the field it concerns. */
export const loadTenantConfig = (file: string): TenantConfig => {
  if (!fs.existsSync(file)) throw new TenantConfigError(`${file} does not exist. Copy tenants/example.json to it and edit it.`);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new TenantConfigError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  return parseTenantConfig(json, file);
};
