import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createSqsServer } from 'local-aws-sqs';
import { TABLE_KEYS } from '../functions/shared/state/table-definition';

// dynalite ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
/** As deployed (FifoQueueWithDlq): the sixth receive of a message moves it to the DLQ. Enforced by the local poller. */
export const MAX_RECEIVE_COUNT = 5;
/**
 * What local-aws-sqs itself is told. It counts every ChangeMessageVisibility as a receive (SQS does not) and
 * moves a message whose inflated count reached the limit when its visibility runs out, so a message the
 * consumer held back twice would be parked after three real receives. The local poller counts real receives
 * and applies MAX_RECEIVE_COUNT itself; the server's own limit is only a backstop far above it.
 */
const SERVER_RECEIVE_BACKSTOP = 1000;

export interface LocalQueue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly dlqUrl: string;
  readonly dlqArn: string;
  readonly visibilityTimeoutSeconds: number;
}

export interface LocalAwsServers {
  readonly dynamoEndpoint: string;
  readonly sqsEndpoint: string;
  readonly tableName: string;
  readonly opencxEvents: LocalQueue;
  readonly creatioEvents: LocalQueue;
  stop(): Promise<void>;
}

const listen = (server: Server, port: number): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });

const close = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });

const createFifoQueueWithDlq = async (sqs: SQSClient, name: string, visibilityTimeoutSeconds: number): Promise<LocalQueue> => {
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq.fifo`, Attributes: { FifoQueue: 'true', MessageRetentionPeriod: '1209600' } }));
  const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn ?? '';
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${name}.fifo`,
      Attributes: {
        FifoQueue: 'true',
        ContentBasedDeduplication: 'false',
        VisibilityTimeout: String(visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: SERVER_RECEIVE_BACKSTOP }),
      },
    }),
  );
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn ?? '';
  return { name, url: queue.QueueUrl ?? '', arn, dlqUrl: dlq.QueueUrl ?? '', dlqArn, visibilityTimeoutSeconds };
};

/**
 * A real DynamoDB-API server (dynalite, in memory) and a real SQS-API server (local-aws-sqs), both on
 * loopback, with the state table and the two FIFO queues + DLQs of the stack created.
 */
export const startLocalAwsServers = async (options: { visibilityTimeoutSeconds?: number; tableName?: string } = {}): Promise<LocalAwsServers> => {
  const dynamoServer = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const dynamoPort = await listen(dynamoServer, 0);
  const sqsServer = (await createSqsServer({ port: 0, hostname: '127.0.0.1', region: LOCAL_REGION, emulateQueueCreationLifecycle: false })) as unknown as Server;
  const sqsPort = (sqsServer.address() as AddressInfo).port;
  const dynamoEndpoint = `http://127.0.0.1:${dynamoPort}`;
  const sqsEndpoint = `http://127.0.0.1:${sqsPort}`;
  const tableName = options.tableName ?? 'opencx-creatio-sync-local';

  const dynamo = new DynamoDBClient({ region: LOCAL_REGION, endpoint: dynamoEndpoint, credentials: LOCAL_CREDENTIALS });
  await dynamo.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: TABLE_KEYS.partitionKey, AttributeType: 'S' },
        { AttributeName: TABLE_KEYS.sortKey, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
    }),
  );
  dynamo.destroy();

  const sqs = new SQSClient({ region: LOCAL_REGION, endpoint: sqsEndpoint, credentials: LOCAL_CREDENTIALS });
  const visibility = options.visibilityTimeoutSeconds ?? 2;
  const opencxEvents = await createFifoQueueWithDlq(sqs, 'opencx-events', visibility);
  const creatioEvents = await createFifoQueueWithDlq(sqs, 'creatio-events', visibility);
  sqs.destroy();

  return {
    dynamoEndpoint,
    sqsEndpoint,
    tableName,
    opencxEvents,
    creatioEvents,
    stop: async () => {
      await Promise.all([close(dynamoServer), close(sqsServer)]);
    },
  };
};
