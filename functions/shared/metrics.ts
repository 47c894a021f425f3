import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** One namespace for the whole bridge; every metric carries the tenant as its dimension. */
export const METRICS_NAMESPACE = 'OpenCxCreatioSync';

/**
 * Every metric the code emits, by name. The dashboard and alarms are built from this list, and a test
 * checks that each one is emitted somewhere, so names cannot drift apart.
 */
export const METRIC = {
  webhooksAccepted: 'WebhooksAccepted',
  webhooksRefused: 'WebhooksRefused',
  handoffsReceived: 'HandoffsReceived',
  casesCreated: 'CasesCreated',
  casesAppended: 'CasesAppended',
  contactsCreated: 'ContactsCreated',
  activitiesWritten: 'ActivitiesWritten',
  repliesDelivered: 'RepliesDelivered',
  repliesBlocked: 'RepliesBlocked',
  resolutionsToCreatio: 'ResolutionsToCreatio',
  resolutionsToOpenCx: 'ResolutionsToOpenCx',
  creatioRequests: 'CreatioRequests',
  opencxRequests: 'OpenCxRequests',
  creatioAuthFailures: 'CreatioAuthFailures',
  throttles: 'Throttles',
  syncErrors: 'SyncErrors',
  messagesParked: 'MessagesParked',
  messagesQuarantined: 'MessagesQuarantined',
  syncLag: 'SyncLagMs',
} as const;
export type MetricName = (typeof METRIC)[keyof typeof METRIC];

export { MetricUnit };

export const createMetrics = (serviceName: string): Metrics =>
  new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
    serviceName,
    defaultDimensions: { tenant: process.env.TENANT ?? 'local' },
  });
