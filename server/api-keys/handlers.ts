// Handlers for who a key is (`/api/me`) and the organization's keys.
import { ApiError, notFound, validationFailed } from '../core/errors.ts';
import { grantedScopes, listedScopeErrors } from '../core/access.ts';
import { UNAUTHORIZED_MESSAGE } from '../core/messages.ts';
import type { Handler } from '../contract/operations.ts';
import { toApiKey } from './mapping.ts';
import { API_KEY_COLUMNS, createApiKey as storeApiKey, listApiKeys as storedApiKeys, revokeApiKey as revokeStoredKey } from './store.ts';

export const getMe: Handler<'getMe'> = async ({ prisma, caller }) => {
  const [organization, user, key] = await Promise.all([
    prisma.organization.findFirst({ where: { id: caller.organizationId } }),
    prisma.user.findFirst({ where: { id: caller.userId } }),
    prisma.apiKey.findFirst({ where: { id: caller.apiKeyId } }),
  ]);
  // Deleted since the key cache last loaded: the key no longer works.
  if (!organization || !user || !key) throw new ApiError(401, UNAUTHORIZED_MESSAGE);
  return {
    status: 200,
    body: {
      data: {
        organization: { id: organization.id, name: organization.name, currency: organization.currency },
        user: { id: user.id, first_name: user.firstName, last_name: user.lastName, name: `${user.firstName} ${user.lastName}`, email: user.email },
        api_key: { id: key.id, name: key.name, prefix: key.prefix, role: key.role, scopes: key.scopes },
        scopes: [...caller.scopes],
      },
      message: 'API key identity retrieved successfully.',
    },
  };
};

export const listApiKeys: Handler<'listApiKeys'> = async ({ prisma }) => {
  const rows = await storedApiKeys(prisma);
  return { status: 200, body: { data: rows.map(toApiKey), message: 'API keys retrieved successfully.' } };
};

export const createApiKey: Handler<'createApiKey'> = async ({ prisma, body, caller, keysChanged }) => {
  const role = body.role ?? 'member';
  const scopes = body.scopes ?? [];
  const userId = body.user_id ?? caller.userId;
  const errors: Record<string, string[]> = {};
  for (const [index, message] of listedScopeErrors(role, scopes, caller.scopes)) errors[`scopes.${index}`] = [message];
  if (!(await prisma.user.findFirst({ where: { id: userId }, select: { id: true } }))) errors.user_id = ['The selected user id is invalid.'];
  // A key of the role without the key's list would still hold what the creator lacks.
  if (scopes.length === 0 && ![...grantedScopes(role, [])].every((scope) => caller.scopes.has(scope))) {
    errors.role = [`The role ${role} grants more than this API key may do itself: list the scopes the new key needs.`];
  }
  if (Object.keys(errors).length > 0) throw validationFailed(errors);
  const { key, ...row } = await storeApiKey(prisma, { organizationId: caller.organizationId, userId, name: body.name, role, scopes });
  keysChanged();
  return { status: 201, body: { data: { ...toApiKey(row), key }, message: 'API key created successfully.' } };
};

export const revokeApiKey: Handler<'revokeApiKey'> = async ({ prisma, path, keysChanged }) => {
  if (!(await revokeStoredKey(prisma, path.id))) throw notFound('API key');
  keysChanged();
  const row = await prisma.apiKey.findFirstOrThrow({ where: { id: path.id }, select: API_KEY_COLUMNS });
  return { status: 200, body: { data: toApiKey(row), message: 'API key revoked successfully.' } };
};
