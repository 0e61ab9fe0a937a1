// The classic Node.js tutorial publisher, unchanged but for the endpoint: it puts
// OrderCreated, then OrderUpdated, then OrderCancelled for one order on the default bus,
// with the tutorial's flat detail. ORDERFLOW_ENDPOINT is the endpoint; ORDER_ID and
// PAUSE_MS are optional. Prints the event ids as JSON; exits 1 on any failure.
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";

const client = new EventBridgeClient({
  endpoint: process.env.ORDERFLOW_ENDPOINT,
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
});
const orderId = process.env.ORDER_ID || `order-${Date.now()}`;
const pause = Number(process.env.PAUSE_MS || 2000);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function publish(detailType, detail) {
  const result = await client.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: "com.example.orders",
          DetailType: detailType,
          Detail: JSON.stringify(detail),
          EventBusName: "default",
        },
      ],
    }),
  );
  if (result.FailedEntryCount) throw new Error(JSON.stringify(result.Entries));
  return result.Entries[0].EventId;
}

const items = [{ productId: "KB-001", quantity: 1, price: 89 }];
const ids = [];
ids.push(
  await publish("OrderCreated", {
    orderId,
    status: "CREATED",
    timestamp: new Date().toISOString(),
    customerId: "customer-123",
    items,
    total: 89,
  }),
);
await sleep(pause);
const changed = [...items, { productId: "MS-002", quantity: 2, price: 29.5 }];
ids.push(
  await publish("OrderUpdated", {
    orderId,
    status: "UPDATED",
    timestamp: new Date().toISOString(),
    changes: { items: changed, total: 148 },
  }),
);
await sleep(pause);
ids.push(
  await publish("OrderCancelled", {
    orderId,
    status: "CANCELLED",
    timestamp: new Date().toISOString(),
    reason: "Customer request",
  }),
);
console.log(JSON.stringify({ orderId, eventIds: ids }));
