import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { measureInit, readSynthBundles } from '../../bench/bundles';
import { UNUSED_CREDENTIAL_PROVIDERS } from '../../lib/constructs/bridge-function';

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

    const result = cdk(['synth', '-c', 'tenant=example', '-c', 'bundleMetafile=true', '-q', '-o', out]);

    expect({ status: result.status, stderr: result.status === 0 ? '' : result.stderr.slice(-3000) }).toEqual({ status: 0, stderr: '' });
    const template = JSON.parse(fs.readFileSync(path.join(out, 'OpenCxCreatioSync-example.template.json'), 'utf8')) as { Resources: Record<string, { Type: string }> };
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(5);

    // What is in the bundles (esbuild metafile): the webhooks carry no AWS SDK, no bundle carries the
    // credential providers a Lambda never reaches, and each bundle loads on its own (nothing it
    // leaves out is imported at init).
    const bundles = readSynthBundles(out);
    const packages = (fn: string) => Object.keys(bundles.find((b) => b.fn === fn)?.byPackage ?? {});
    for (const fn of ['opencx-webhook', 'creatio-webhook']) {
      expect(packages(fn).filter((p) => p.startsWith('@aws-sdk/') || p.startsWith('@smithy/'))).toEqual([]);
      // A webhook only checks, validates and enqueues: a fraction of a consumer's bundle.
      expect((bundles.find((b) => b.fn === fn)?.bytes ?? Infinity) * 5).toBeLessThan(bundles.find((b) => b.fn === 'sync-to-opencx')?.bytes ?? 0);
    }
    for (const fn of ['sync-to-creatio', 'sync-to-opencx']) {
      expect(packages(fn)).toContain('@aws-sdk/client-dynamodb');
      expect(packages(fn).filter((p) => UNUSED_CREDENTIAL_PROVIDERS.includes(p))).toEqual([]);
    }
    for (const bundle of bundles) {
      const isolated = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-alone-'));
      fs.copyFileSync(bundle.file, path.join(isolated, 'index.mjs'));
      expect({ fn: bundle.fn, loads: measureInit(path.join(isolated, 'index.mjs'), bundle.environment, 1).min >= 0 }).toEqual({ fn: bundle.fn, loads: true });
      fs.rmSync(isolated, { recursive: true, force: true });
    }
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
