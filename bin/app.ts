#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { loadTenantConfig, tenantConfigPath } from '../lib/tenant-config-loader';
import { OpenCxCreatioSyncStack } from '../lib/opencx-creatio-sync-stack';
import { addSecurityChecks } from '../lib/security-checks';
import { version } from '../package.json';

const app = new App();
const tenant = app.node.tryGetContext('tenant') as string | undefined;
if (!tenant) {
  throw new Error('Name the tenant to deploy: npx cdk deploy -c tenant=<name> (reads tenants/<name>.json)');
}
const config = loadTenantConfig(tenantConfigPath(tenant));
new OpenCxCreatioSyncStack(app, `OpenCxCreatioSync-${config.tenant}`, {
  config,
  version,
  description: `OpenCX ⇄ Creatio bridge for tenant ${config.tenant}`,
  env: { account: config.aws.account ?? process.env.CDK_DEFAULT_ACCOUNT, region: config.aws.region ?? process.env.CDK_DEFAULT_REGION },
  tags: { application: 'opencx-creatio-sync', tenant: config.tenant },
});
addSecurityChecks(app);
