import { PermanentError } from '../errors';

/** The Creatio instance and Identity Service addresses a tenant configures. */
const stripTrailingSlashes = (value: string): string => value.trim().replace(/\/+$/, '');

/** The URL without trailing slashes; https only (plain http to this machine, for the local sandbox). */
export const normaliseBaseUrl = (value: string, what: string): string => {
  const trimmed = stripTrailingSlashes(value);
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    throw new PermanentError(`Creatio ${what} is not a URL`, { kind: 'config' });
  }
  // Credentials and customer data travel to it: https, or plain http to this machine (the local sandbox).
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw new PermanentError(`Creatio ${what} must be an https:// URL (plain http only on 127.0.0.1 / localhost)`, { kind: 'config' });
  }
  if (parsed.search || parsed.hash) throw new PermanentError(`Creatio ${what} must not carry a query or fragment`, { kind: 'config' });
  return trimmed;
};

/**
 * Creatio cloud convention: the Identity Service is the instance host with `-is` before `.creatio.com`
 * (reference §1.2: clio, creatio-api-py; Medium-High). Elsewhere (on-site, the local sandbox) we fall
 * back to the instance URL itself.
 */
export const defaultIdentityUrl = (instanceUrl: string): string => {
  const url = new URL(instanceUrl);
  const host = url.hostname.toLowerCase();
  if (host.endsWith('.creatio.com') && !host.endsWith('-is.creatio.com')) {
    const isHost = `${host.slice(0, -'.creatio.com'.length)}-is.creatio.com`;
    return `${url.protocol}//${isHost}${url.port ? `:${url.port}` : ''}`;
  }
  return instanceUrl;
};
