import { ENTITY_NAMESPACE, edmType } from './schema';
import { SandboxError, errors } from './sandbox-errors';
import type { SandboxStore, StoreQuery } from './store';

/** What the OData layer answers; the server turns it into HTTP. */
export interface Answer {
  readonly status: number;
  readonly body?: unknown;
  /** Sent as-is instead of JSON (e.g. $metadata XML). */
  readonly text?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export const JSON_TYPE = 'application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RESOURCE = /^([A-Za-z_][A-Za-z0-9_]*)(?:\(([^)]*)\)|\/([^/]+))?$/;
const SUPPORTED_OPTIONS = new Set(['$filter', '$select', '$orderby', '$top', '$skip', '$count', '$expand', '$format']);

export interface ODataRequest {
  readonly method: string;
  /** Path below the OData root, without a leading slash: `Case`, `Case(<guid>)`, `$metadata`. */
  readonly resource: string;
  readonly params: URLSearchParams;
  readonly body: unknown;
}

const errorAnswer = (error: SandboxError): Answer => ({ status: error.status, body: error.toBody() });

const splitList = (value: string | null): string[] | undefined =>
  value === null
    ? undefined
    : value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean);

const nonNegativeInt = (name: string, value: string | null): number | undefined => {
  if (value === null) return undefined;
  if (!/^\d+$/.test(value.trim())) throw errors.syntax(`Invalid value '${value}' for ${name} query option found. The ${name} query option requires a non-negative integer value.`);
  return Number(value.trim());
};

const parseQuery = (params: URLSearchParams): StoreQuery & { count: boolean } => {
  for (const name of params.keys()) {
    if (name.startsWith('$') && !SUPPORTED_OPTIONS.has(name)) throw errors.syntax(`The query parameter '${name}' is not supported.`);
  }
  const orderBy = splitList(params.get('$orderby'))?.map((part) => {
    const [path = '', direction = 'asc', ...rest] = part.split(/\s+/);
    if (rest.length || !['asc', 'desc'].includes(direction.toLowerCase())) throw errors.syntax(`Syntax error in $orderby '${part}'.`);
    return { path, descending: direction.toLowerCase() === 'desc' };
  });
  const count = params.get('$count');
  if (count !== null && count !== 'true' && count !== 'false') throw errors.syntax(`'${count}' is not a valid count option.`);
  return {
    filter: params.get('$filter') ?? undefined,
    select: splitList(params.get('$select')),
    orderBy,
    top: nonNegativeInt('$top', params.get('$top')),
    skip: nonNegativeInt('$skip', params.get('$skip')),
    expand: splitList(params.get('$expand')),
    count: count === 'true',
  };
};

/** The OData 4 service over the store (single requests and batch parts alike). */
export class ODataHandler {
  constructor(
    private readonly store: SandboxStore,
    /** e.g. http://127.0.0.1:4567/0/odata */
    private readonly serviceUrl: () => string,
  ) {}

  handle(request: ODataRequest): Answer {
    try {
      return this.dispatch(request);
    } catch (error) {
      if (error instanceof SandboxError) return errorAnswer(error);
      throw error;
    }
  }

  private dispatch({ method, resource, params, body }: ODataRequest): Answer {
    const base = this.serviceUrl();
    if (resource === '' && method === 'GET') {
      return {
        status: 200,
        body: {
          '@odata.context': `${base}/$metadata`,
          value: this.store.collections().map((name) => ({ name, kind: 'EntitySet', url: name })),
        },
      };
    }
    if (resource === '$metadata' && method === 'GET') return { status: 200, text: this.metadata(), headers: { 'Content-Type': 'application/xml; charset=utf-8' } };

    const match = RESOURCE.exec(resource);
    if (!match) throw errors.unknownSegment(resource);
    const [, collection = '', parenKey, slashKey] = match;
    if (!this.store.schema(collection)) throw errors.unknownSegment(collection);
    const rawKey = parenKey ?? slashKey;

    if (rawKey === undefined) {
      if (method === 'GET') {
        const query = parseQuery(params);
        const { rows, count } = this.store.query(collection, query);
        const selected = query.select?.length ? `(${query.select.join(',')})` : '';
        return {
          status: 200,
          body: { '@odata.context': `${base}/$metadata#${collection}${selected}`, ...(query.count ? { '@odata.count': count } : {}), value: rows },
        };
      }
      if (method === 'POST') {
        const created = this.store.insert(collection, body);
        return {
          status: 201,
          body: { '@odata.context': `${base}/$metadata#${collection}/$entity`, ...created },
          headers: { Location: `${base}/${collection}(${created.Id})`, 'OData-EntityId': `${base}/${collection}(${created.Id})` },
        };
      }
      throw errors.methodNotAllowed(method);
    }

    // A key is a bare GUID; `'…'` and `guid'…'` are the forms users report failing (reference §2.3).
    if (!GUID.test(rawKey)) throw errors.cannotConvert(rawKey, edmType('guid'));
    const id = rawKey.toLowerCase();
    switch (method) {
      case 'GET': {
        const query = parseQuery(params);
        const row = this.store.read(collection, id, query.select, query.expand);
        if (!row) throw errors.notFound(collection, id);
        return { status: 200, body: { '@odata.context': `${base}/$metadata#${collection}/$entity`, ...row } };
      }
      case 'PATCH':
      case 'MERGE':
        this.store.update(collection, id, body);
        return { status: 204 };
      case 'DELETE':
        this.store.remove(collection, id);
        return { status: 204 };
      default:
        throw errors.methodNotAllowed(method);
    }
  }

  /** A minimal EDMX: entity sets, properties, types and max lengths. */
  private metadata(): string {
    const types = this.store
      .collections()
      .map((name) => {
        const schema = this.store.schema(name);
        const properties = [...(schema?.columns.values() ?? [])]
          .map(
            (column) =>
              `<Property Name="${column.name}" Type="${edmType(column.type)}"${column.maxLength ? ` MaxLength="${column.maxLength}"` : ''}${column.name === 'Id' ? ' Nullable="false"' : ''} />`,
          )
          .join('');
        return `<EntityType Name="${name}"><Key><PropertyRef Name="Id" /></Key>${properties}</EntityType>`;
      })
      .join('');
    const sets = this.store
      .collections()
      .map((name) => `<EntitySet Name="${name}" EntityType="${ENTITY_NAMESPACE}.${name}" />`)
      .join('');
    return `<?xml version="1.0" encoding="utf-8"?><edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices><Schema Namespace="${ENTITY_NAMESPACE}" xmlns="http://docs.oasis-open.org/odata/ns/edm">${types}<EntityContainer Name="Default">${sets}</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>`;
  }
}
