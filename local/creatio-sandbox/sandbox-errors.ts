import { ENTITY_NAMESPACE } from './schema';

/**
 * Errors the sandbox answers with, in Creatio's OData envelope (creatio-detail.md §2.5, Medium):
 * `{"error":{"code":"","message":"…","innererror":{"message","type","stacktrace"}}}`.
 * Messages copy the wording of Microsoft.OData / ASP.NET OData (which Creatio's OData 4 service is
 * built on, Medium) and of the database for constraint violations (PostgreSQL wording, Low: a tenant
 * on SQL Server words them differently).
 */
export class SandboxError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly innerType?: string,
    readonly code = '',
  ) {
    super(message);
  }

  toBody(): { error: Record<string, unknown> } {
    const error: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.innerType) error.innererror = { message: this.message, type: this.innerType, stacktrace: '' };
    return { error };
  }
}

const type = (collection: string): string => `${ENTITY_NAMESPACE}.${collection}`;

export const errors = {
  unknownSegment: (segment: string): SandboxError => new SandboxError(404, `Resource not found for the segment '${segment}'.`),
  notFound: (collection: string, id: string): SandboxError => new SandboxError(404, `Resource not found for the segment '${collection}(${id})'.`),
  unknownProperty: (collection: string, property: string): SandboxError =>
    new SandboxError(
      400,
      `The property '${property}' does not exist on type '${type(collection)}'. Make sure to only use property names that are defined by the type.`,
      'Microsoft.OData.ODataException',
    ),
  unknownQueryProperty: (collection: string, property: string): SandboxError =>
    new SandboxError(400, `Could not find a property named '${property}' on type '${type(collection)}'.`, 'Microsoft.OData.ODataException'),
  cannotConvert: (literal: string, edm: string): SandboxError =>
    new SandboxError(400, `Cannot convert the literal '${literal}' to the expected type '${edm}'.`, 'Microsoft.OData.ODataException'),
  incompatibleOperands: (left: string, right: string, operator: string): SandboxError =>
    new SandboxError(
      400,
      `A binary operator with incompatible types was detected. Found operand types '${left}' and '${right}' for operator kind '${operator}'.`,
      'Microsoft.OData.ODataException',
    ),
  syntax: (message: string): SandboxError => new SandboxError(400, message, 'Microsoft.OData.ODataException'),
  badBody: (message: string): SandboxError => new SandboxError(400, message, 'Microsoft.OData.ODataException'),
  /** Wording: Low confidence (Creatio's entity validation text was not found in public sources). */
  required: (collection: string, column: string): SandboxError =>
    new SandboxError(400, `Column "${column}" of object "${collection}" is required and cannot be empty.`, 'Terrasoft.Common.ItemValidationException'),
  /** Reference: a duplicate Id "fails with a server error (duplicate primary key)" (Medium). */
  duplicateKey: (collection: string, id: string): SandboxError =>
    new SandboxError(
      500,
      `23505: duplicate key value violates unique constraint "PK_${collection}_Id" (Key ("Id")=(${id}) already exists.)`,
      'Terrasoft.Common.DbOperationException',
    ),
  /**
   * Database errors (too long, foreign key, duplicate key) surface as 500 with the database's text:
   * the status is the reference's "server error" (Medium for duplicates, Low for the others).
   */
  /**
   * SQL Server's wording (2019+, error 2628), which quotes the start of the value: the less
   * convenient side, since the value can be a customer's e-mail address or message text.
   */
  tooLong: (maxLength: number, table: string, column: string, value: string): SandboxError =>
    new SandboxError(
      500,
      `String or binary data would be truncated in table 'dbo.${table}', column '${column}'. Truncated value: '${value.slice(0, Math.min(maxLength, 80))}'.`,
      'Terrasoft.Common.DbOperationException',
    ),
  foreignKey: (collection: string, column: string): SandboxError =>
    new SandboxError(500, `23503: insert or update on table "${collection}" violates foreign key constraint "FK_${collection}_${column}"`, 'Terrasoft.Common.DbOperationException'),
  methodNotAllowed: (method: string): SandboxError => new SandboxError(405, `The HTTP method '${method}' is not allowed for this resource.`),
  /** Wording: Low confidence; the 100-request limit itself is High (Academy). */
  batchTooLarge: (count: number, max: number): SandboxError =>
    new SandboxError(400, `The batch request contains ${count} requests; the maximum is ${max}.`, 'Microsoft.OData.ODataException'),
  serverFault: (): SandboxError => new SandboxError(500, 'An error has occurred.', 'System.Exception'),
  throttled: (): SandboxError => new SandboxError(429, 'Too many requests.'),
};
