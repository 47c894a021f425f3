import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface BundleRow {
  readonly fn: string;
  readonly bytes: number;
  readonly initMsMedian: number;
}

const ROOT = path.join(__dirname, '..');
const ENV = {
  OPENCX_EVENTS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q.fifo',
  CREATIO_EVENTS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q.fifo',
  OPENCX_EVENTS_DLQ_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/d.fifo',
  CREATIO_EVENTS_DLQ_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/d.fifo',
  OPENCX_WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:x',
  CREATIO_WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:x',
  CREATIO_CREDENTIALS_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:x',
  OPENCX_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:x',
  STATE_TABLE_NAME: 'bench',
  AWS_REGION: 'eu-west-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** The bundles exactly as `cdk synth` builds them, and the median module init time of 20 cold processes. */
export const measureBundles = (): BundleRow[] => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  const synth = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk'), 'synth', '-c', 'tenant=example', '-q', '-o', out], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  if (synth.status !== 0) throw new Error(`cdk synth failed: ${synth.stderr.slice(-500)}`);
  const template = JSON.parse(fs.readFileSync(path.join(out, 'OpenCxCreatioSync-example.template.json'), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string }; Environment?: { Variables?: Record<string, string> } } }>;
  };
  const rows: BundleRow[] = [];
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const hash = resource.Properties.Code?.S3Key?.replace(/\.zip$/, '');
    const name = resource.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME ?? 'unknown';
    const file = path.join(out, `asset.${hash}`, 'index.mjs');
    if (!fs.existsSync(file)) continue;
    const tenantConfig = resource.Properties.Environment?.Variables?.TENANT_CONFIG_JSON;
    const times: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      const child = spawnSync(
        process.execPath,
        ['--input-type=module', '-e', `const t = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t));`],
        { encoding: 'utf8', env: { ...process.env, ...ENV, ...(typeof tenantConfig === 'string' ? { TENANT_CONFIG_JSON: tenantConfig } : {}) } },
      );
      if (child.status !== 0) throw new Error(`${name} failed to load: ${child.stderr.slice(-300)}`);
      times.push(Number(child.stdout));
    }
    times.sort((a, b) => a - b);
    rows.push({ fn: name, bytes: fs.statSync(file).size, initMsMedian: Math.round(((times[9]! + times[10]!) / 2) * 10) / 10 });
  }
  fs.rmSync(out, { recursive: true, force: true });
  return rows.sort((a, b) => a.fn.localeCompare(b.fn));
};
