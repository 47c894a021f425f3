/** `cdk synth` / `cdk deploy` without a usable `-c tenant`: one paragraph naming the tenant files that exist. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tenantNames, tenantProblem } from '../../lib/tenant-config-loader';

let root: string;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tenants-'));
  fs.mkdirSync(path.join(root, 'tenants'));
  for (const name of ['example', 'acme']) fs.writeFileSync(path.join(root, 'tenants', `${name}.json`), '{}');
  fs.writeFileSync(path.join(root, 'tenants', 'README.txt'), 'not a tenant');
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('tenant files for cdk', () => {
  it('lists the tenants that have a file', () => {
    expect(tenantNames(root)).toEqual(['acme', 'example']);
  });

  it('without -c tenant, says how to name one and which exist', () => {
    expect(tenantProblem(undefined, root)).toBe(
      'No tenant named: run npx cdk synth -c tenant=<name> (or deploy / diff / destroy with the same -c tenant=<name>), which reads tenants/<name>.json. Tenant files in tenants/: acme.json, example.json. To add a tenant, copy tenants/example.json to tenants/<name>.json and edit it.',
    );
  });

  it('names the missing file and the ones that exist', () => {
    expect(tenantProblem('globex', root)).toMatch(/^There is no tenants\/globex\.json for -c tenant=globex\. Tenant files in tenants\/: acme\.json, example\.json\./);
  });

  it('refuses a value that cannot be a file name', () => {
    expect(tenantProblem('../etc/passwd', root)).toMatch(/is not a tenant name/);
  });

  it('has nothing to say about a tenant whose file exists (its contents are validated when loaded)', () => {
    expect(tenantProblem('acme', root)).toBeUndefined();
  });
});
