#!/usr/bin/env node
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { TenantConfigError, type TenantConfig } from '../functions/shared/schemas/tenant-config';
import { loadTenantConfig, tenantConfigPath, tenantProblem } from '../lib/tenant-config-loader';
import { OpenCxCreatioSyncStack } from '../lib/opencx-creatio-sync-stack';
import { addSecurityChecks } from '../lib/security-checks';
import { version } from '../package.json';

const app = new App();
const tenant = app.node.tryGetContext('tenant') as unknown;
const problem = tenantProblem(tenant, path.join(__dirname, '..'));
let config: TenantConfig;
try {
  if (problem) throw new TenantConfigError(problem);
  config = loadTenantConfig(tenantConfigPath(String(tenant)));
} catch (error) {
  if (!(error instanceof TenantConfigError)) throw error;
  // One paragraph for the person at the terminal, not a stack trace (cdk adds one line of its own).
  process.stderr.write(`\n${error.message}\n\n`);
  process.exit(1);
}
new OpenCxCreatioSyncStack(app, `OpenCxCreatioSync-${config.tenant}`, {
  config,
  version,
  description: `OpenCX ⇄ Creatio bridge for tenant ${config.tenant}`,
  env: { account: config.aws.account ?? process.env.CDK_DEFAULT_ACCOUNT, region: config.aws.region ?? process.env.CDK_DEFAULT_REGION },
  tags: { application: 'opencx-creatio-sync', tenant: config.tenant },
});
addSecurityChecks(app);
