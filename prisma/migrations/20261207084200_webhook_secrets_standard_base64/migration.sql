-- By hand (data only, the schema does not change): secrets become Standard Webhooks secrets,
-- `whsec_` and the standard base64 of the key, which every Standard Webhooks library decodes. Until
-- now they were written in base64url (`-` and `_` for `+` and `/`, no padding), which those
-- libraries refuse. Respelled, each keeps its 32 bytes: the key a receiver holds stays the key.
-- (No semicolon in these comments: the schema engine splits a script at each one on PostgreSQL.)
UPDATE "webhook_subscriptions"
SET "secret" = 'whsec_' || translate(substr("secret", 7), '-_', '+/') || '='
WHERE "secret" ~ '^whsec_[A-Za-z0-9_-]{43}$';
