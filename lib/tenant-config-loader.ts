import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseTenantConfig, TenantConfigError, type TenantConfig } from '../functions/shared/schemas/tenant-config';

export const tenantConfigPath = (tenant: string, root = path.join(__dirname, '..')): string => path.join(root, 'tenants', `${tenant}.json`);

/** The tenants that have a file in tenants/ (`example` included). */
export const tenantNames = (root = path.join(__dirname, '..')): string[] => {
  const dir = path.join(root, 'tenants');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.slice(0, -'.json'.length))
    .sort();
};

const TENANT_NAME = /^[a-z][a-z0-9-]{1,30}$/;

/**
 * Why `-c tenant=<value>` cannot be deployed, as one paragraph naming the tenant files that exist;
 * undefined when tenants/<value>.json exists (its contents are validated by loadTenantConfig).
 */
export const tenantProblem = (tenant: unknown, root = path.join(__dirname, '..')): string | undefined => {
  const names = tenantNames(root);
  const known = names.length ? `Tenant files in tenants/: ${names.map((name) => `${name}.json`).join(', ')}.` : 'There is no tenant file in tenants/ yet.';
  const howTo = 'To add a tenant, copy tenants/example.json to tenants/<name>.json and edit it.';
  if (tenant === undefined || tenant === null || tenant === '' || tenant === true) {
    return `No tenant named: run npx cdk synth -c tenant=<name> (or deploy / diff / destroy with the same -c tenant=<name>), which reads tenants/<name>.json. ${known} ${howTo}`;
  }
  if (typeof tenant !== 'string' || !TENANT_NAME.test(tenant)) {
    return `-c tenant=${String(tenant)} is not a tenant name (2-31 lower-case letters, digits or dashes, starting with a letter: the file name tenants/<name>.json). ${known}`;
  }
  if (!fs.existsSync(tenantConfigPath(tenant, root))) return `There is no tenants/${tenant}.json for -c tenant=${tenant}. ${known} ${howTo}`;
  return undefined;
};

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
