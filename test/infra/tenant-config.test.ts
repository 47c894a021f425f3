import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadTenantConfig } from '../../lib/tenant-config-loader';
import { parseTenantConfig } from '../../functions/shared/schemas/tenant-config';

const example = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'tenants', 'example.json'), 'utf8')) as Record<string, any>;

describe('tenant configuration', () => {
  it('accepts the committed example and fills the documented defaults', () => {
    const config = parseTenantConfig(example);

    expect(config.creatio.odataRoot).toBe('/0/odata');
    expect(config.cases.createCaseOnlyOnHandoff).toBe(true);
    expect(config.agentReplies.whatsappWindowHours).toBe(24);
  });

  it('names the field when the Creatio URL ends with a slash', () => {
    const bad = { ...example, creatio: { ...example.creatio, instanceUrl: 'https://example.creatio.com/' } };

    expect(() => parseTenantConfig(bad, 'tenants/bad.json')).toThrow(/tenants\/bad\.json is invalid:\n\s+creatio\.instanceUrl: must not end with a slash/);
  });

  it('names the field when an owner id is not a GUID', () => {
    const bad = { ...example, cases: { ...example.cases, defaultOwnerId: 'Lee Agent' } };

    expect(() => parseTenantConfig(bad)).toThrow(/cases\.defaultOwnerId: must be a Creatio GUID/);
  });

  it('refuses unknown top-level keys so that a typo is not silently ignored', () => {
    expect(() => parseTenantConfig({ ...example, cretio: {} })).toThrow(/cretio/);
  });

  it('explains a missing tenant file', () => {
    expect(() => loadTenantConfig(path.join(os.tmpdir(), 'no-such-tenant.json'))).toThrow(/does not exist\. Copy tenants\/example\.json/);
  });
});
