// A Node.js order service, as one would write it for AWS, run against orderflow's endpoint.
// It publishes OrderCreated / OrderUpdated / OrderCancelled to EventBridge, rules route each
// detail-type to its own SQS queue, and it consumes the three queues with the SQS client.
// Only the endpoint differs from AWS: ORDERFLOW_ENDPOINT. Prints a JSON summary; exits 1 on
// any failure.
import assert from "node:assert/strict";
import {
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  DescribeRuleCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-eventbridge";
import {
  SQSClient,
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  DeleteMessageBatchCommand,
  SendMessageCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
} from "@aws-sdk/client-sqs";

const endpoint = process.env.ORDERFLOW_ENDPOINT;
const config = {
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
};
const events = new EventBridgeClient(config);
const sqs = new SQSClient(config);

const SOURCE = "com.example.orders";
const KINDS = { OrderCreated: "orders-created", OrderUpdated: "orders-updated", OrderCancelled: "orders-cancelled" };

function order(orderId, status) {
  const items = [
    { productId: "p-1", quantity: 2, price: 9.5 },
    { productId: "p-2", quantity: 1, price: 20 },
  ];
  return {
    orderId,
    status,
    timestamp: new Date().toISOString(),
    customerId: "c-7",
    items,
    total: items.reduce((sum, item) => sum + item.quantity * item.price, 0),
  };
}

async function setUp() {
  const queues = {};
  for (const [detailType, name] of Object.entries(KINDS)) {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }),
    );
    await events.send(
      new PutRuleCommand({
        Name: `route-${name}`,
        EventPattern: JSON.stringify({ source: [SOURCE], "detail-type": [detailType] }),
      }),
    );
    const put = await events.send(
      new PutTargetsCommand({ Rule: `route-${name}`, Targets: [{ Id: name, Arn: Attributes.QueueArn }] }),
    );
    assert.equal(put.FailedEntryCount, 0);
    queues[detailType] = QueueUrl;
  }
  return queues;
}

async function publish() {
  const entries = [
    ["o-1", "OrderCreated", "CREATED"],
    ["o-2", "OrderCreated", "CREATED"],
    ["o-1", "OrderUpdated", "PAID"],
    ["o-2", "OrderCancelled", "CANCELLED"],
  ].map(([orderId, detailType, status]) => ({
    Source: SOURCE,
    DetailType: detailType,
    Detail: JSON.stringify(order(orderId, status)),
  }));
  const result = await events.send(new PutEventsCommand({ Entries: entries }));
  assert.equal(result.FailedEntryCount, 0);
  assert.equal(result.Entries.length, 4);
  return result.Entries.map((entry) => entry.EventId);
}

async function consume(queueUrl) {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
      MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
    }),
  );
  if (Messages.length) {
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle })),
      }),
    );
    assert.equal(deleted.Successful.length, Messages.length);
  }
  return Messages.map((message) => {
    assert.equal(message.Attributes.ApproximateReceiveCount, "1");
    const event = JSON.parse(message.Body);
    assert.equal(event.source, SOURCE);
    assert.deepEqual(Object.keys(event.detail).sort(), [
      "customerId", "items", "orderId", "status", "timestamp", "total",
    ]);
    return { detailType: event["detail-type"], orderId: event.detail.orderId, total: event.detail.total };
  });
}

async function errorsAreTyped(queueUrl) {
  // The SDK checks MD5OfMessageBody and MD5OfMessageAttributes of this answer itself.
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: "ping",
      MessageAttributes: { kind: { DataType: "String", StringValue: "probe" } },
    }),
  );
  await assert.rejects(
    sqs.send(new GetQueueUrlCommand({ QueueName: "no-such-queue" })),
    (error) => error instanceof QueueDoesNotExist,
  );
  await assert.rejects(
    events.send(new DescribeRuleCommand({ Name: "no-such-rule" })),
    (error) => error instanceof ResourceNotFoundException,
  );
}

const queues = await setUp();
const eventIds = await publish();
const consumed = {};
for (const [detailType, queueUrl] of Object.entries(queues)) {
  consumed[detailType] = await consume(queueUrl);
}
await errorsAreTyped(queues.OrderCreated);
process.stdout.write(JSON.stringify({ eventIds, consumed }) + "\n");
