import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface FifoQueueWithDlqProps {
  /** Function timeout of the consumer: the visibility timeout is six times it. */
  readonly consumerTimeout: Duration;
  /** Deliveries before a message is parked in the DLQ. */
  readonly maxReceiveCount?: number;
}

/**
 * A FIFO queue (explicit dedup ids, group per conversation / case) with a FIFO dead-letter queue,
 * SQS-managed encryption and TLS enforced on both.
 */
export class FifoQueueWithDlq extends Construct {
  static readonly MAX_RECEIVE_COUNT = 5;
  readonly queue: sqs.Queue;
  readonly dlq: sqs.Queue;

  constructor(scope: Construct, id: string, props: FifoQueueWithDlqProps) {
    super(scope, id);
    this.dlq = new sqs.Queue(this, 'Dlq', {
      fifo: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      fifo: true,
      contentBasedDeduplication: false,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.dlq, maxReceiveCount: props.maxReceiveCount ?? FifoQueueWithDlq.MAX_RECEIVE_COUNT },
    });
  }
}
