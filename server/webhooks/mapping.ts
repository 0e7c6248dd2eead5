// Webhook subscriptions and deliveries in the API's shapes.
import type { components } from '../../generated/api-types.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { timestamp } from '../core/dates.ts';

type Schemas = components['schemas'];

export function toWebhookSubscription(row: Prisma.WebhookSubscriptionGetPayload<object>): Schemas['WebhookSubscription'] {
  return {
    id: row.id,
    url: row.url,
    event_types: row.eventTypes as Schemas['EventType'][],
    description: row.description,
    enabled: row.enabled,
    disabled_reason: row.disabledReason,
    consecutive_failures: row.consecutiveFailures,
    created: timestamp(row.createdAt),
    updated: timestamp(row.updatedAt),
  };
}

export const deliveryInclude = { event: { select: { type: true } } } satisfies Prisma.WebhookDeliveryInclude;

export function toWebhookDelivery(row: Prisma.WebhookDeliveryGetPayload<{ include: typeof deliveryInclude }>): Schemas['WebhookDelivery'] {
  return {
    id: Number(row.id),
    subscription_id: row.subscriptionId,
    event_id: Number(row.eventId),
    event_type: row.event.type as Schemas['EventType'],
    status: row.status,
    attempts: row.attempts,
    last_attempt_at: row.lastAttemptAt && timestamp(row.lastAttemptAt),
    last_status_code: row.lastStatusCode,
    last_error: row.lastError,
    delivered_at: row.deliveredAt && timestamp(row.deliveredAt),
    created: timestamp(row.createdAt),
  };
}
