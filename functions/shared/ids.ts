import { createHash } from 'node:crypto';

/** Namespace for every deterministic id this bridge mints (a fixed random UUID). */
export const BRIDGE_NAMESPACE = '9b1f7c1e-4a53-4f0e-8d7a-3c2b1e0f5a64';

const parseUuid = (uuid: string): Buffer => {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error('not a UUID');
  return Buffer.from(hex, 'hex');
};

/** RFC 4122 / 9562 UUID version 5 (SHA-1, name-based): same inputs, same id, on every retry. */
export const uuidV5 = (name: string, namespace: string = BRIDGE_NAMESPACE): string => {
  const hash = createHash('sha1').update(parseUuid(namespace)).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

/** A deterministic id built from several parts, each unambiguous (length-prefixed). */
export const deterministicId = (...parts: readonly string[]): string => uuidV5(parts.map((part) => `${part.length}:${part}`).join('|'));

/**
 * Whether `id` is one this bridge minted (a version-5 UUID). Creatio gives every record it creates a
 * random (version 4) GUID, and the bridge chooses the id of every record it writes with
 * `deterministicId`: the id itself marks our own activities, with no marker item per activity.
 */
export const isBridgeId = (id: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(id);

export const sha256Hex = (value: string | Buffer): string => createHash('sha256').update(value).digest('hex');
