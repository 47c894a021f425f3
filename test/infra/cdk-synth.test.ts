import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const cdk = (args: string[]) =>
  spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true', CDK_DISABLE_CLI_TELEMETRY: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    timeout: 180_000,
  });

describe('cdk synth', () => {
  it('synthesises the example tenant offline, bundling every Lambda, with cdk-nag and template validation passing', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-out-'));

    const result = cdk(['synth', '-c', 'tenant=example', '-q', '-o', out]);

    expect({ status: result.status, stderr: result.status === 0 ? '' : result.stderr.slice(-3000) }).toEqual({ status: 0, stderr: '' });
    const template = JSON.parse(fs.readFileSync(path.join(out, 'OpenCxCreatioSync-example.template.json'), 'utf8')) as { Resources: Record<string, { Type: string }> };
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(5);
    fs.rmSync(out, { recursive: true, force: true });
  }, 180_000);

  it('fails with a message naming the field for an invalid tenant file', () => {
    const file = path.join(ROOT, 'tenants', 'zz-invalid-test.json');
    fs.writeFileSync(file, JSON.stringify({ tenant: 'zz-invalid-test', creatio: { instanceUrl: 'https://x.creatio.com/' } }));
    try {
      const result = cdk(['synth', '-c', 'tenant=zz-invalid-test', '-q', '-o', fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-out-'))]);

      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(/creatio\.instanceUrl: must not end with a slash/);
    } finally {
      fs.rmSync(file, { force: true });
    }
  }, 180_000);
});
