import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';

const ROOT = path.join(__dirname, '..');

/** One Lambda bundle as `cdk synth` built it, with esbuild's metafile (`-c bundleMetafile=true`). */
export interface SynthBundle {
  /** POWERTOOLS_SERVICE_NAME, i.e. the folder under functions/. */
  readonly fn: string;
  readonly file: string;
  readonly bytes: number;
  readonly mapBytes: number;
  /** Bytes in the bundle by package (node_modules name) or by our own folder. */
  readonly byPackage: Readonly<Record<string, number>>;
  /** The function's environment as deployed (NODE_OPTIONS, TENANT_CONFIG_JSON, ...). */
  readonly environment: Readonly<Record<string, string>>;
}

const packageOf = (input: string): string => {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (match) return match[1]!;
  return input.split('/').slice(0, 3).join('/');
};

/** Placeholder values for the environment variables a stack token fills in when deployed. */
const DEPLOYED_PLACEHOLDERS: Record<string, string> = {
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
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

/** `cdk synth` of the example tenant into `out`, with esbuild metafiles. Throws with cdk's stderr on failure. */
export const synthWithMetafiles = (out: string): void => {
  const synth = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk'), 'synth', '-c', 'tenant=example', '-c', 'bundleMetafile=true', '-q', '-o', out],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 240_000,
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true', CDK_DISABLE_CLI_TELEMETRY: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    },
  );
  if (synth.status !== 0) throw new Error(`cdk synth failed: ${synth.stderr.slice(-1500)}`);
};

/** The Lambda bundles of a synthesised cloud assembly, read from the template and the assets. */
export const readSynthBundles = (out: string): SynthBundle[] => {
  const templateFile = fs.readdirSync(out).find((f) => f.endsWith('.template.json'));
  if (!templateFile) throw new Error(`no template in ${out}`);
  const template = JSON.parse(fs.readFileSync(path.join(out, templateFile), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string }; Environment?: { Variables?: Record<string, unknown> } } }>;
  };
  const bundles: SynthBundle[] = [];
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const hash = resource.Properties.Code?.S3Key?.replace(/\.zip$/, '');
    const dir = path.join(out, `asset.${hash}`);
    const file = path.join(dir, 'index.mjs');
    if (!fs.existsSync(file)) continue;
    const environment: Record<string, string> = {};
    for (const [name, value] of Object.entries(resource.Properties.Environment?.Variables ?? {})) if (typeof value === 'string') environment[name] = value;
    const byPackage: Record<string, number> = {};
    const metaFile = path.join(dir, 'index.meta.json');
    if (fs.existsSync(metaFile)) {
      const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as { outputs: Record<string, { entryPoint?: string; inputs: Record<string, { bytesInOutput: number }> }> };
      const output = Object.values(meta.outputs).find((o) => o.entryPoint);
      for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
        const key = packageOf(input);
        byPackage[key] = (byPackage[key] ?? 0) + bytesInOutput;
      }
    }
    const mapFile = `${file}.map`;
    bundles.push({
      fn: environment.POWERTOOLS_SERVICE_NAME ?? 'unknown',
      file,
      bytes: fs.statSync(file).size,
      mapBytes: fs.existsSync(mapFile) ? fs.statSync(mapFile).size : 0,
      byPackage,
      environment,
    });
  }
  return bundles.sort((a, b) => a.fn.localeCompare(b.fn));
};

export interface InitTimes {
  readonly min: number;
  readonly median: number;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * Module init as Lambda does it: a fresh node process per sample, the function's own NODE_OPTIONS,
 * `import()` of the built index.mjs timed from inside.
 */
export const measureInit = (file: string, environment: Readonly<Record<string, string>>, runs: number): InitTimes => {
  const times: number[] = [];
  const env: NodeJS.ProcessEnv = { ...process.env, ...DEPLOYED_PLACEHOLDERS, ...environment, POWERTOOLS_LOG_LEVEL: 'SILENT' };
  const nodeOptions = (environment.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean);
  delete env.NODE_OPTIONS;
  for (let i = 0; i < runs; i += 1) {
    const child = spawnSync(
      process.execPath,
      [...nodeOptions, '--input-type=module', '-e', `const t = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t));`],
      { encoding: 'utf8', env },
    );
    if (child.status !== 0) throw new Error(`${file} failed to load: ${child.stderr.slice(-500)}`);
    times.push(Number(child.stdout));
  }
  times.sort((a, b) => a - b);
  const mid = Math.floor(times.length / 2);
  return { min: round1(times[0]!), median: round1(times.length % 2 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2) };
};

export interface BundleRow {
  readonly fn: string;
  readonly kb: number;
  readonly mapKb: number;
  /** As deployed (the function's own NODE_OPTIONS). */
  readonly init: InitTimes;
  /** With `--enable-source-maps` added: what loading the map at init would cost. */
  readonly initWithMaps: InitTimes;
  readonly largest: string;
}

export interface SdkComparison {
  readonly fn: string;
  readonly bundled: { kb: number; init: InitTimes };
  readonly runtimeSdk: { kb: number; init: InitTimes };
}

/**
 * The same consumer built with the AWS SDK left to the runtime (`@aws-sdk/*`, `@smithy/*` external,
 * resolved from node_modules as the runtime's own unbundled copy would be) against the bundled SDK.
 */
const compareRuntimeSdk = async (bundle: SynthBundle, runs: number): Promise<SdkComparison> => {
  const dir = fs.mkdtempSync(path.join(ROOT, 'node_modules', '.cache-bench-sdk-'));
  try {
    const outfile = path.join(dir, 'index.mjs');
    await build({
      absWorkingDir: ROOT,
      entryPoints: [path.join(ROOT, 'functions', bundle.fn, 'handler.ts')],
      bundle: true,
      minify: true,
      sourcemap: true,
      sourcesContent: false,
      platform: 'node',
      target: 'node24',
      format: 'esm',
      mainFields: ['module', 'main'],
      banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
      external: ['@aws-sdk/*', '@smithy/*'],
      outfile,
      logLevel: 'error',
    });
    return {
      fn: bundle.fn,
      bundled: { kb: Math.round(bundle.bytes / 1024), init: measureInit(bundle.file, bundle.environment, runs) },
      runtimeSdk: { kb: Math.round(fs.statSync(outfile).size / 1024), init: measureInit(outfile, bundle.environment, runs) },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
};

/** The bundles exactly as `cdk synth` builds them: size, what is in them, and module init time. */
export const measureBundles = async (options: { runs: number }): Promise<{ rows: BundleRow[]; sdk: SdkComparison }> => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  try {
    synthWithMetafiles(out);
    const bundles = readSynthBundles(out);
    const rows = bundles.map((bundle): BundleRow => {
      const largest = Object.entries(bundle.byPackage)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 4)
        .map(([name, bytes]) => `${name} ${Math.round(bytes / 1024)}`)
        .join(', ');
      const nodeOptions = bundle.environment.NODE_OPTIONS ?? '';
      const withMaps = { ...bundle.environment, NODE_OPTIONS: nodeOptions.includes('--enable-source-maps') ? nodeOptions : `${nodeOptions} --enable-source-maps`.trim() };
      return {
        fn: bundle.fn,
        kb: Math.round(bundle.bytes / 1024),
        mapKb: Math.round(bundle.mapBytes / 1024),
        init: measureInit(bundle.file, bundle.environment, options.runs),
        initWithMaps: measureInit(bundle.file, withMaps, options.runs),
        largest,
      };
    });
    const consumer = bundles.find((b) => b.fn === 'sync-to-creatio') ?? bundles[0]!;
    const sdk = await compareRuntimeSdk(consumer, options.runs);
    return { rows, sdk };
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
};
