import { randomUUID } from 'node:crypto';
import { type FilterContext, checkFilter, compareValues, evaluateFilter, parseFilter, resolvePath } from './odata-filter';
import { type ColumnDef, type EntitySchema, edmType } from './schema';
import { MIRRORED_PHONE_COLUMNS, searchNumberOf } from './communications';
import { SandboxError, errors } from './sandbox-errors';
import { SANDBOX_USER_CONTACT_ID, SEED_ROWS } from './seed';

export type SandboxRecord = Readonly<Record<string, unknown>> & { readonly Id: string };

export const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
/** Creatio caps one query at 20,000 rows (MaxEntityRowCount, High). */
export const MAX_ROWS = 20_000;

/**
 * Lookups that point at employees' contacts (owner, author, …): the sandbox holds no employees, so
 * these are not checked against Contact. Every other lookup whose table the sandbox models is.
 */
const UNCHECKED_LOOKUPS = new Set(['CreatedById', 'ModifiedById', 'OwnerId', 'AuthorId', 'SenderContactId', 'OrganizerId']);

export interface StoreHooks {
  /** Like a business process on the "Record added" signal; runs after the write, never blocks the answer. */
  readonly onRecordAdded?: (collection: string, record: SandboxRecord) => void | Promise<void>;
  /** Like "Record modified". */
  readonly onRecordModified?: (collection: string, before: SandboxRecord, after: SandboxRecord) => void | Promise<void>;
  /** Like "Record deleted". */
  readonly onRecordDeleted?: (collection: string, record: SandboxRecord) => void | Promise<void>;
}

export interface StoreQuery {
  readonly filter?: string | undefined;
  readonly select?: readonly string[] | undefined;
  readonly orderBy?: readonly { readonly path: string; readonly descending: boolean }[] | undefined;
  readonly top?: number | undefined;
  readonly skip?: number | undefined;
  readonly expand?: readonly string[] | undefined;
}

export interface StoreOptions {
  readonly schemas: ReadonlyMap<string, EntitySchema>;
  readonly now: () => Date;
  readonly seed: boolean;
  readonly caseNumberStart: number;
  readonly hooks: StoreHooks;
}

const defaultValue = (column: ColumnDef): unknown => {
  switch (column.type) {
    case 'guid':
      return EMPTY_GUID;
    case 'text':
      return '';
    case 'boolean':
      return false;
    case 'integer':
    case 'decimal':
      return 0;
    default:
      return null;
  }
};

const literalText = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value)));

/** Converts a JSON value to the column's type, as the OData deserialiser would. */
const coerce = (column: ColumnDef, value: unknown): unknown => {
  if (value === null || value === undefined) return defaultValue(column);
  switch (column.type) {
    case 'guid':
      if (typeof value === 'string' && GUID.test(value)) return value.toLowerCase();
      throw errors.cannotConvert(literalText(value), edmType(column.type));
    case 'text':
      if (typeof value === 'string') return value;
      throw errors.cannotConvert(literalText(value), edmType(column.type));
    case 'datetime':
      if (typeof value === 'string' && ISO_DATETIME.test(value) && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
      throw errors.cannotConvert(literalText(value), edmType(column.type));
    case 'boolean':
      if (typeof value === 'boolean') return value;
      throw errors.cannotConvert(literalText(value), edmType(column.type));
    case 'integer':
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      throw errors.cannotConvert(literalText(value), edmType(column.type));
    case 'decimal':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
      throw errors.cannotConvert(literalText(value), edmType(column.type));
  }
};

const isEmpty = (value: unknown): boolean => value === null || value === undefined || value === '' || value === EMPTY_GUID;

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The in-memory tables. Rows are kept in the shape Creatio answers with: every column present, an
 * unset lookup as the empty GUID (Medium), unset text as '' (Creatio text columns are NOT NULL, High),
 * unset dates as null.
 */
export class SandboxStore {
  private tables = new Map<string, Map<string, Record<string, unknown>>>();
  private nextCaseNumber: number;
  private readonly pending = new Set<Promise<void>>();
  /** Errors thrown by hooks (they never reach the HTTP client). */
  readonly hookErrors: unknown[] = [];

  readonly filterContext: FilterContext;

  constructor(private readonly options: StoreOptions) {
    this.nextCaseNumber = options.caseNumberStart;
    this.filterContext = {
      schemas: options.schemas,
      resolve: (collection, id) => this.tables.get(collection)?.get(id.toLowerCase()),
    };
    this.reset();
  }

  /** Empties every table and, when seeding is on, restores the lookups. */
  reset(): void {
    this.tables = new Map([...this.options.schemas.keys()].map((name) => [name, new Map()]));
    this.nextCaseNumber = this.options.caseNumberStart;
    if (this.options.seed) {
      for (const row of SEED_ROWS) this.write(row.collection, this.build(this.schemaOf(row.collection), row.values));
    }
  }

  collections(): string[] {
    return [...this.options.schemas.keys()];
  }

  schema(collection: string): EntitySchema | undefined {
    return this.options.schemas.get(collection);
  }

  /** Every row of a collection, oldest first (copies). */
  list(collection: string): SandboxRecord[] {
    return [...(this.tables.get(collection)?.values() ?? [])].map((row) => ({ ...row }) as SandboxRecord);
  }

  get(collection: string, id: string): SandboxRecord | undefined {
    const row = this.tables.get(collection)?.get(id.toLowerCase());
    return row ? ({ ...row } as SandboxRecord) : undefined;
  }

  /** Waits for hooks started so far (and any they started). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  query(collection: string, query: StoreQuery): { rows: Record<string, unknown>[]; count: number } {
    const schema = this.schemaOf(collection);
    for (const name of query.select ?? []) if (!schema.columns.has(name)) throw errors.unknownQueryProperty(schema.name, name);
    for (const name of query.expand ?? []) if (!schema.columns.get(`${name}Id`)?.lookup) throw errors.unknownQueryProperty(schema.name, name);
    let rows = [...(this.tables.get(collection)?.values() ?? [])];
    if (query.filter !== undefined) {
      const expr = parseFilter(query.filter);
      checkFilter(schema, expr, this.filterContext);
      rows = rows.filter((row) => evaluateFilter(schema, expr, row, this.filterContext));
    }
    for (const order of query.orderBy ?? []) resolvePath(schema, order.path.split('/'), this.filterContext);
    if (query.orderBy?.length) {
      const orders = query.orderBy;
      rows.sort((a, b) => {
        for (const order of orders) {
          const result = compareValues(this.pathValue(schema, a, order.path), this.pathValue(schema, b, order.path));
          if (result !== 0) return order.descending ? -result : result;
        }
        return 0;
      });
    }
    const count = rows.length;
    const skip = query.skip ?? 0;
    const top = Math.min(query.top ?? MAX_ROWS, MAX_ROWS);
    rows = rows.slice(skip, skip + top);
    return { rows: rows.map((row) => this.shape(schema, row, query.select, query.expand)), count };
  }

  /** One row shaped by $select / $expand, or undefined. */
  read(collection: string, id: string, select?: readonly string[], expand?: readonly string[]): Record<string, unknown> | undefined {
    const schema = this.schemaOf(collection);
    const row = this.tables.get(collection)?.get(id.toLowerCase());
    return row ? this.shape(schema, row, select, expand) : undefined;
  }

  /**
   * A tenant's business rule or required custom column: returns why an insert is refused (answered 400), or
   * undefined to let it through. Set by tests; the bridge must quarantine the refused message and go on.
   */
  businessRule: ((collection: string, row: Readonly<Record<string, unknown>>) => string | undefined) | undefined;
  /**
   * A duplicate Id answers the generic "An error has occurred." 500 (as a tenant whose database words it
   * differently, or hides it): the bridge must not depend on the duplicate-key wording. On by default (the
   * sandbox takes the less convenient side); false gives PostgreSQL's wording.
   */
  genericDuplicateErrors = true;

  insert(collection: string, body: unknown): SandboxRecord {
    const schema = this.schemaOf(collection);
    const values = this.checkBody(schema, body);
    const row = this.build(schema, values);
    const id = row.Id as string;
    if (this.tables.get(collection)?.has(id)) throw this.genericDuplicateErrors ? errors.serverFault() : errors.duplicateKey(collection, id);
    const refused = this.businessRule?.(collection, row);
    if (refused) throw new SandboxError(400, refused, 'Terrasoft.Core.Entities.EntityValidationException');
    if (collection === 'Case' && row.Number === '') {
      // CaseCodeMask "SR{0:00000000}" + CaseLastNumber (creatio-detail.md §3.2, High).
      row.Number = `SR${String(this.nextCaseNumber).padStart(8, '0')}`;
      this.nextCaseNumber += 1;
    }
    this.validate(schema, row, Object.keys(values));
    this.write(collection, row);
    const record = { ...row } as SandboxRecord;
    this.fire(() => this.options.hooks.onRecordAdded?.(collection, record));
    return { ...record };
  }

  update(collection: string, id: string, body: unknown): SandboxRecord {
    const schema = this.schemaOf(collection);
    const key = id.toLowerCase();
    const existing = this.tables.get(collection)?.get(key);
    if (!existing) throw errors.notFound(collection, key);
    const values = this.checkBody(schema, body);
    if (values.Id !== undefined && values.Id !== key) throw errors.badBody('The key in the request body does not match the key in the URL.');
    const changed = Object.keys(values).filter((name) => name !== 'Id');
    const row: Record<string, unknown> = { ...existing };
    for (const name of changed) row[name] = values[name];
    row.ModifiedOn = this.options.now().toISOString();
    this.validate(schema, row, changed);
    this.write(collection, row);
    const before = { ...existing } as SandboxRecord;
    const after = { ...row } as SandboxRecord;
    this.fire(() => this.options.hooks.onRecordModified?.(collection, before, after));
    return { ...after };
  }

  remove(collection: string, id: string): void {
    this.schemaOf(collection);
    const key = id.toLowerCase();
    const existing = this.tables.get(collection)?.get(key);
    if (!existing) throw errors.notFound(collection, key);
    this.tables.get(collection)?.delete(key);
    const record = { ...existing } as SandboxRecord;
    this.fire(() => this.options.hooks.onRecordDeleted?.(collection, record));
  }

  // ---- internals ------------------------------------------------------------------------------

  private schemaOf(collection: string): EntitySchema {
    const schema = this.options.schemas.get(collection);
    if (!schema) throw errors.unknownSegment(collection);
    return schema;
  }

  private write(collection: string, row: Record<string, unknown>): void {
    if (collection === 'ContactCommunication') row.SearchNumber = searchNumberOf(row.Number);
    this.tables.get(collection)?.set(String(row.Id), row);
    if (collection === 'Contact') this.mirrorPhones(row);
  }

  /** Keeps one ContactCommunication row per phone column of a contact, as Creatio does. */
  private mirrorPhones(contact: Readonly<Record<string, unknown>>): void {
    const table = this.tables.get('ContactCommunication');
    const schema = this.options.schemas.get('ContactCommunication');
    if (!table || !schema) return;
    for (const [column, typeId] of Object.entries(MIRRORED_PHONE_COLUMNS)) {
      const number = typeof contact[column] === 'string' ? (contact[column] as string) : '';
      const existing = [...table.values()].find((row) => row.ContactId === contact.Id && row.CommunicationTypeId === typeId && row.IsCreatedBySynchronization === true);
      if (existing && number === '') table.delete(String(existing.Id));
      else if (existing) existing.Number = number;
      if (existing) existing.SearchNumber = searchNumberOf(existing.Number);
      if (!existing && number !== '') {
        const row = this.build(schema, { ContactId: contact.Id, CommunicationTypeId: typeId, Number: number, IsCreatedBySynchronization: true });
        row.SearchNumber = searchNumberOf(number);
        table.set(String(row.Id), row);
      }
    }
  }

  /** Rejects unknown properties and converts values; OData annotations are ignored. */
  private checkBody(schema: EntitySchema, body: unknown): Record<string, unknown> {
    if (!isPlainObject(body)) throw errors.badBody('The request body must be a JSON object describing an entity.');
    const values: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(body)) {
      if (name.startsWith('@odata.') || name.includes('@odata.')) continue;
      const column = schema.columns.get(name);
      if (!column) throw errors.unknownProperty(schema.name, name);
      values[name] = coerce(column, value);
    }
    return values;
  }

  /** A complete row: defaults, then the given values, then the system columns. */
  private build(schema: EntitySchema, values: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const now = this.options.now().toISOString();
    const row: Record<string, unknown> = {};
    for (const column of schema.columns.values()) row[column.name] = defaultValue(column);
    for (const [name, value] of Object.entries(values)) {
      const column = schema.columns.get(name);
      if (column) row[name] = coerce(column, value);
    }
    if (isEmpty(row.Id)) row.Id = randomUUID();
    row.CreatedOn ??= now;
    row.ModifiedOn = now;
    if (isEmpty(row.CreatedById)) row.CreatedById = SANDBOX_USER_CONTACT_ID;
    if (isEmpty(row.ModifiedById)) row.ModifiedById = SANDBOX_USER_CONTACT_ID;
    if (schema.name === 'Case' && row.RegisteredOn === null) row.RegisteredOn = now;
    return row;
  }

  /** Required columns, lengths (database errors) and lookups pointing at missing rows. */
  private validate(schema: EntitySchema, row: Readonly<Record<string, unknown>>, written: readonly string[]): void {
    for (const column of schema.columns.values()) {
      if (column.required && isEmpty(row[column.name])) throw errors.required(schema.name, column.name);
    }
    for (const name of written) {
      const column = schema.columns.get(name);
      const value = row[name];
      if (!column) continue;
      if (column.maxLength !== undefined && typeof value === 'string' && value.length > column.maxLength) throw errors.tooLong(column.maxLength, schema.name, column.name, value);
      if (column.lookup && !UNCHECKED_LOOKUPS.has(name) && typeof value === 'string' && value !== EMPTY_GUID) {
        const target = this.tables.get(column.lookup);
        if (target && !target.has(value)) throw errors.foreignKey(schema.name, name);
      }
    }
  }

  /** A column value, following lookups for `Status/Name`-style paths. */
  private pathValue(schema: EntitySchema, row: Readonly<Record<string, unknown>>, path: string): unknown {
    const [head, ...rest] = path.split('/');
    if (head === undefined) return null;
    if (!rest.length) return row[head];
    const id = row[`${head}Id`];
    if (typeof id !== 'string' || id === EMPTY_GUID) return null;
    if (rest.length === 1 && rest[0] === 'Id') return id;
    const target = schema.columns.get(`${head}Id`)?.lookup;
    const targetSchema = target ? this.options.schemas.get(target) : undefined;
    const targetRow = target ? this.tables.get(target)?.get(id) : undefined;
    return targetSchema && targetRow ? this.pathValue(targetSchema, targetRow, rest.join('/')) : null;
  }

  private shape(
    schema: EntitySchema,
    row: Readonly<Record<string, unknown>>,
    select: readonly string[] | undefined,
    expand: readonly string[] | undefined,
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (select?.length) {
      for (const name of select) {
        if (!schema.columns.has(name)) throw errors.unknownQueryProperty(schema.name, name);
        out[name] = row[name];
      }
    } else {
      for (const column of schema.columns.keys()) out[column] = row[column];
    }
    for (const navigation of expand ?? []) {
      const column = schema.columns.get(`${navigation}Id`);
      if (!column?.lookup) throw errors.unknownQueryProperty(schema.name, navigation);
      const targetSchema = this.options.schemas.get(column.lookup);
      const id = row[column.name];
      const target = typeof id === 'string' ? this.tables.get(column.lookup)?.get(id) : undefined;
      out[navigation] = target && targetSchema ? this.shape(targetSchema, target, undefined, undefined) : null;
    }
    return out;
  }

  private fire(run: () => void | Promise<void> | undefined): void {
    const task = new Promise<void>((resolve) => {
      setImmediate(() => {
        Promise.resolve()
          .then(run)
          .catch((error: unknown) => {
            this.hookErrors.push(error);
          })
          .finally(resolve);
      });
    });
    this.pending.add(task);
    void task.then(() => this.pending.delete(task));
  }
}
