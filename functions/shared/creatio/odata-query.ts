/**
 * Building OData 4 URLs the way Creatio expects them (reference: creatio-detail.md §2.3-§2.4).
 * - a record is addressed as `Case(<guid>)`: a bare GUID, no quotes, no `guid'…'` prefix (High);
 * - string literals are single-quoted, a quote inside is doubled (OData 4 ABNF, High);
 * - GUID literals in `$filter` are bare (`Case/Id eq 1b2c…`), and lookups are filtered through the
 *   navigation property (`Case/Id eq <guid>`), which is the form the community answer reports working
 *   where `CaseId eq '<guid>'` failed (High for `Case/Id`, Medium for `CaseId eq <guid>` failing).
 */

export const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';

const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PATH_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*$/;

export const isGuid = (value: unknown): value is string => typeof value === 'string' && GUID_PATTERN.test(value);

/**
 * A lookup value as our code should see it: Creatio returns an unset lookup column as the empty GUID
 * (Medium: seen in community samples; the sandbox does the same), so treat it, '' and null alike.
 */
export const lookupValue = (value: unknown): string | null => (isGuid(value) && value !== EMPTY_GUID ? value.toLowerCase() : null);

export const assertGuid = (value: string, what = 'id'): string => {
  if (!isGuid(value)) throw new TypeError(`${what} must be a GUID`);
  return value.toLowerCase();
};

export const assertIdentifier = (value: string, what = 'collection'): string => {
  if (!IDENTIFIER_PATTERN.test(value)) throw new TypeError(`${what} must be an OData identifier, got '${value}'`);
  return value;
};

const assertPath = (value: string): string => {
  if (!PATH_PATTERN.test(value)) throw new TypeError(`not a property path: '${value}'`);
  return value;
};

/** `'O''Brien'`: an OData string literal. */
export const odataString = (value: string): string => `'${value.replace(/'/g, "''")}'`;

/** A literal of the right OData type for a JS value (GUIDs stay bare). */
export const odataLiteral = (value: string | number | boolean | null | Date): string => {
  if (value === null) return 'null';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('number literal must be finite');
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return isGuid(value) ? value.toLowerCase() : odataString(value);
};

/** Small builders so callers never hand-assemble quotes. */
export const filter = {
  eq: (path: string, value: string | number | boolean | null | Date): string => `${assertPath(path)} eq ${odataLiteral(value)}`,
  /** Always a string comparison, even for a value that happens to look like a GUID. */
  eqText: (path: string, value: string): string => `${assertPath(path)} eq ${odataString(value)}`,
  contains: (path: string, value: string): string => `contains(${assertPath(path)},${odataString(value)})`,
  and: (...parts: readonly string[]): string => parts.map((part) => `(${part})`).join(' and '),
  or: (...parts: readonly string[]): string => parts.map((part) => `(${part})`).join(' or '),
  /** `Case/Id eq <guid>`: filter a lookup through its navigation property. */
  lookupIs: (navigation: string, id: string): string => `${assertPath(navigation)}/Id eq ${assertGuid(id)}`,
};

export interface ODataQuery {
  readonly filter?: string;
  readonly select?: readonly string[];
  /** e.g. `['CreatedOn desc', 'Id']` */
  readonly orderBy?: readonly string[];
  readonly top?: number;
  readonly skip?: number;
  readonly count?: boolean;
  readonly expand?: readonly string[];
}

/** `?$filter=…&$select=…` with every value percent-encoded (a `+` in a phone number must not become a space). */
export const buildQueryString = (query: ODataQuery | undefined): string => {
  if (!query) return '';
  const parts: string[] = [];
  const add = (name: string, value: string): void => {
    parts.push(`${name}=${encodeURIComponent(value)}`);
  };
  if (query.filter) add('$filter', query.filter);
  if (query.select?.length) add('$select', query.select.map(assertPath).join(','));
  if (query.expand?.length) add('$expand', query.expand.map(assertPath).join(','));
  if (query.orderBy?.length) add('$orderby', query.orderBy.join(','));
  if (query.top !== undefined) add('$top', String(Math.max(0, Math.trunc(query.top))));
  if (query.skip !== undefined) add('$skip', String(Math.max(0, Math.trunc(query.skip))));
  if (query.count) add('$count', 'true');
  return parts.length ? `?${parts.join('&')}` : '';
};

/** `Case` or `Case(1b2c…)`, relative to the OData root. */
export const entityPath = (collection: string, id?: string): string => (id === undefined ? assertIdentifier(collection) : `${assertIdentifier(collection)}(${assertGuid(id)})`);
