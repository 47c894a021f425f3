import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { CreatioClientEvent } from '../creatio';
import type { OpenCxClientEvent } from '../opencx';
import { METRIC, MetricUnit } from '../metrics';

/**
 * Client events → metrics: requests by system and kind, throttles, Creatio auth failures. The events
 * carry no URLs, tokens or content, so nothing sensitive can reach a metric.
 */
export const clientTelemetry = (metrics: Metrics) => ({
  onCreatioEvent: (event: CreatioClientEvent): void => {
    if (event.type === 'request') {
      metrics.addMetric(METRIC.creatioRequests, MetricUnit.Count, 1);
      if (event.status === 429) metrics.singleMetric().addDimension('system', 'creatio').addMetric(METRIC.throttles, MetricUnit.Count, 1);
      // A refused token, or an OData 403 (the integration user lacks a permission), needs an operator.
      if ((event.kind === 'token' && event.status !== undefined && event.status >= 400 && event.status < 500) || event.status === 403) {
        metrics.addMetric(METRIC.creatioAuthFailures, MetricUnit.Count, 1);
      }
    }
  },
  onOpenCxEvent: (event: OpenCxClientEvent): void => {
    metrics.addMetric(METRIC.opencxRequests, MetricUnit.Count, 1);
    if (event.status === 429) metrics.singleMetric().addDimension('system', 'opencx').addMetric(METRIC.throttles, MetricUnit.Count, 1);
  },
  /** Our own shared OpenCX budget held a request back (not a 429: OpenCX never saw it). */
  onOpenCxBudgetWait: (_waitMs: number, _inline: boolean): void => {
    metrics.singleMetric().addDimension('system', 'opencx-budget').addMetric(METRIC.throttles, MetricUnit.Count, 1);
  },
});
