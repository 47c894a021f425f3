import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const digest = (value: string | Buffer): Buffer => createHash('sha256').update(value).digest();

/**
 * Constant-time comparison of the token in the URL path with the tenant's token. Both sides are hashed
 * first so the comparison takes the same time whatever the lengths are.
 */
export const tokensMatch = (expected: string, given: string | undefined): boolean => {
  if (!expected) return false;
  const a = digest(expected);
  const b = digest(given ?? '');
  return timingSafeEqual(a, b) && given !== undefined;
};

/**
 * Optional `X-Signature`: HMAC-SHA256 of the raw body with the tenant's signing key, hex encoded,
 * with or without a `sha256=` prefix. Compared in constant time.
 */
export const signatureMatches = (signingKey: string, rawBody: Buffer, header: string | undefined): boolean => {
  const expected = createHmac('sha256', signingKey).update(rawBody).digest('hex');
  const given = (header ?? '')
    .trim()
    .replace(/^sha256=/i, '')
    .toLowerCase();
  return timingSafeEqual(digest(expected), digest(given)) && given.length > 0;
};

export const signBody = (signingKey: string, rawBody: Buffer | string): string => `sha256=${createHmac('sha256', signingKey).update(rawBody).digest('hex')}`;
