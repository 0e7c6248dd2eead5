// A webhook receiver: checks each request's Standard Webhooks signature with the subscription's
// secret, prints what it received and answers 204, or 401 when the signature does not verify.
// Run: WEBHOOK_SECRET=whsec_… PORT=4000 npx tsx client/webhook-receiver.ts
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from './index.ts';

const secret = process.env.WEBHOOK_SECRET ?? '';
if (!secret.startsWith('whsec_')) {
  console.error('Set WEBHOOK_SECRET to the secret shown when the subscription was created (whsec_…).');
  process.exit(2);
}

const server = createServer(async (req, res) => {
  // The raw bytes: the signature covers the body exactly as sent, not a re-serialized parse.
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    const event = verifyWebhook({ secret, headers: req.headers, body: Buffer.concat(chunks) });
    console.log(`${req.headers['webhook-id']} ${event.type} ${JSON.stringify(event.data)}`);
    res.writeHead(204).end();
  } catch (error) {
    console.log(`refused: ${(error as Error).message}`);
    res.writeHead(401).end();
  }
});
server.listen(Number(process.env.PORT ?? 4000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
});
