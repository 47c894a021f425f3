/**
 * Downstream error text on its way to logs and DLQ attributes. Creatio quotes the offending value
 * ("String or binary data would be truncated … Truncated value: 'dana@…'", PostgreSQL's
 * "Key (Email)=(…)"), OpenCX validation messages can echo input: customer data must not travel on
 * in them. Email addresses, phone-like digit runs and quoted / keyed values are replaced; ids (GUIDs),
 * ISO timestamps, HTTP statuses and the wording around them stay, so the message still says what
 * went wrong.
 */

const GUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const ISO_TIME = /\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g;
const EMAIL = /[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
/** Seven or more digits, possibly with a leading + and the separators people type. */
const PHONE = /\+?\(?\d[\d\s().\-/]{5,}\d/g;
/** `Truncated value: '…'`, `value '…'`, `for value "…"`: the quoted value itself. */
const QUOTED_VALUE = /(\bvalues?\b[^'"\n]{0,24}?)(['"])(?:(?!\2).){1,500}\2/gi;
/** PostgreSQL's `Key (Email)=(dana@example.org)`. */
const KEYED_VALUE = /(\)=\()[^)]{1,500}(\))/g;

const PLACEHOLDER = (i: number): string => `\u0000${i}\u0000`;

export const redact = (text: string): string => {
  const kept: string[] = [];
  const keep = (match: string): string => {
    kept.push(match);
    return PLACEHOLDER(kept.length - 1);
  };
  const out = text
    .replace(GUID, keep)
    .replace(ISO_TIME, keep)
    .replace(QUOTED_VALUE, (_m, lead: string, quote: string) => `${lead}${quote}[redacted]${quote}`)
    .replace(KEYED_VALUE, '$1[redacted]$2')
    .replace(EMAIL, '[email]')
    .replace(PHONE, (match) => (match.replace(/\D/g, '').length >= 7 ? '[number]' : match));
  // eslint-disable-next-line no-control-regex
  return out.replace(/\u0000(\d+)\u0000/g, (_m, i: string) => kept[Number(i)] ?? '');
};
