// The spec's signed webhook examples (an event and a ping) are what the server would send: their
// headers verify, by the Standard Webhooks reference library, with the createWebhook example's secret,
// so a reader can check a receiver's verification against them.
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { spec } from '../../helpers/spec.ts';
import { verifiedAt } from '../../helpers/webhook-receiver.ts';

interface HeaderParameter { name: string; examples: Record<string, { value: string }> }
interface WebhookItem { post: { description: string; requestBody: { content: { 'application/json': { examples: Record<string, { $ref?: string; value?: unknown }> } } } } }

const webhooks = (spec as unknown as { webhooks: Record<string, WebhookItem> }).webhooks;
const parameters = spec.components.parameters as Record<string, HeaderParameter>;
const examples = spec.components.examples as Record<string, { value: unknown }>;
const created = (spec.paths['/api/webhooks']!.post as {
  responses: { '201': { content: { 'application/json': { example: { data: { secret: string } } } } } };
}).responses['201'].content['application/json'].example.data;

/** The example's body (following a `$ref` into components/examples). */
function exampleBody(webhook: WebhookItem, name: string): unknown {
  const example = webhook.post.requestBody.content['application/json'].examples[name]!;
  return example.$ref ? examples[example.$ref.split('/').at(-1)!]!.value : example.value;
}

describe.each([['event', 'updated'], ['ping', 'ping']])('the %s webhook example', (webhook, example) => {
  const item = webhooks[webhook]!;
  const headers = Object.fromEntries(['WebhookIdHeader', 'WebhookTimestampHeader', 'WebhookSignatureHeader']
    .map((key) => [parameters[key]!.name, parameters[key]!.examples[webhook]!.value]));
  const body = exampleBody(item, example);
  const raw = JSON.stringify(body);
  const signedAt = Number(headers['Webhook-Timestamp']) * 1000;

  it("is signed with the createWebhook example's secret, at the timestamp its description gives", () => {
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(item.post.description).toContain(created.secret);
    expect(item.post.description).toContain(headers['Webhook-Timestamp']);
    expect(verifiedAt(signedAt, () => new Webhook(created.secret).verify(raw, headers))).toEqual(body);
  });

  it('does not verify with its body changed or five minutes and a second later', () => {
    expect(() => verifiedAt(signedAt, () => new Webhook(created.secret).verify(raw.replace('"id":', '"id": '), headers))).toThrow(WebhookVerificationError);
    expect(() => verifiedAt(signedAt + 301_000, () => new Webhook(created.secret).verify(raw, headers))).toThrow(WebhookVerificationError);
  });
});

it("the ping's description quotes its raw body", () => {
  expect(webhooks.ping!.post.description).toContain(JSON.stringify(exampleBody(webhooks.ping!, 'ping')));
});
