import { type ColumnDef, type EntitySchema, type ColumnType, edmType } from './schema';
import { type SandboxError, errors } from './sandbox-errors';

/**
 * A small OData 4 `$filter` implementation: eq ne gt ge lt le, and or not, parentheses,
 * contains/startswith/endswith, tolower/toupper/trim, literals (quoted strings with '' escaping, bare
 * GUIDs, numbers, true/false/null, unquoted ISO date-times) and property paths including a lookup's
 * navigation property (`Case/Id`, `Status/Name`). Type checks follow OData: a GUID column compared with
 * a quoted string is rejected, which is how users report `CaseId eq '<guid>'` failing on Creatio.
 */

type LiteralType = 'string' | 'guid' | 'number' | 'boolean' | 'null' | 'datetime';

export type Operand =
  | { readonly kind: 'path'; readonly segments: readonly string[] }
  | { readonly kind: 'literal'; readonly type: LiteralType; readonly value: string | number | boolean | null }
  | { readonly kind: 'fn'; readonly fn: 'tolower' | 'toupper' | 'trim'; readonly arg: Operand };

type Comparison = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export type FilterExpr =
  | { readonly kind: 'and' | 'or'; readonly left: FilterExpr; readonly right: FilterExpr }
  | { readonly kind: 'not'; readonly expr: FilterExpr }
  | { readonly kind: 'compare'; readonly op: Comparison; readonly left: Operand; readonly right: Operand }
  | { readonly kind: 'call'; readonly fn: 'contains' | 'startswith' | 'endswith'; readonly args: readonly [Operand, Operand] };

type Token =
  | { readonly t: 'lparen' | 'rparen' | 'comma'; readonly at: number }
  | { readonly t: 'string'; readonly v: string; readonly at: number }
  | { readonly t: 'guid' | 'datetime' | 'ident'; readonly v: string; readonly at: number }
  | { readonly t: 'number'; readonly v: number; readonly at: number };

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![0-9A-Za-z_-])/;
const DATETIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?(?![0-9A-Za-z_])/;
const NUMBER = /^-?\d+(\.\d+)?(?![0-9A-Za-z_])/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*/;

const tokenize = (input: string): Token[] => {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i] ?? '';
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    if (ch === '(') tokens.push({ t: 'lparen', at: i });
    else if (ch === ')') tokens.push({ t: 'rparen', at: i });
    else if (ch === ',') tokens.push({ t: 'comma', at: i });
    if ('(),'.includes(ch)) {
      i += 1;
      continue;
    }
    if (ch === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= input.length) throw errors.syntax(`Unterminated string literal at position ${i} in '${input}'.`);
        const c = input[j];
        if (c === "'") {
          if (input[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += c;
        j += 1;
      }
      tokens.push({ t: 'string', v: value, at: i });
      i = j + 1;
      continue;
    }
    const rest = input.slice(i);
    const guid = GUID.exec(rest);
    if (guid) {
      tokens.push({ t: 'guid', v: guid[0].toLowerCase(), at: i });
      i += guid[0].length;
      continue;
    }
    const datetime = DATETIME.exec(rest);
    if (datetime && datetime[0].length > 4) {
      tokens.push({ t: 'datetime', v: datetime[0], at: i });
      i += datetime[0].length;
      continue;
    }
    const number = NUMBER.exec(rest);
    if (number) {
      tokens.push({ t: 'number', v: Number(number[0]), at: i });
      i += number[0].length;
      continue;
    }
    const ident = IDENT.exec(rest);
    if (ident) {
      tokens.push({ t: 'ident', v: ident[0], at: i });
      i += ident[0].length;
      continue;
    }
    throw errors.syntax(`Syntax error at position ${i} in '${input}'.`);
  }
  return tokens;
};

const COMPARISONS = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const BOOL_FUNCTIONS = new Set<string>(['contains', 'startswith', 'endswith']);
const VALUE_FUNCTIONS = new Set<string>(['tolower', 'toupper', 'trim']);

class Parser {
  private position = 0;
  constructor(
    private readonly tokens: readonly Token[],
    private readonly source: string,
  ) {}

  parse(): FilterExpr {
    const expr = this.parseOr();
    const extra = this.tokens[this.position];
    if (extra) throw this.error(extra.at);
    return expr;
  }

  private error(at: number): SandboxError {
    return errors.syntax(`Syntax error at position ${at} in '${this.source}'.`);
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private next(): Token {
    const token = this.tokens[this.position];
    if (!token) throw errors.syntax(`Expression expected at position ${this.source.length} in '${this.source}'.`);
    this.position += 1;
    return token;
  }

  private isKeyword(word: string): boolean {
    const token = this.peek();
    return token?.t === 'ident' && token.v === word;
  }

  private expect(t: 'lparen' | 'rparen' | 'comma'): void {
    const token = this.next();
    if (token.t !== t) throw this.error(token.at);
  }

  private parseOr(): FilterExpr {
    let left = this.parseAnd();
    while (this.isKeyword('or')) {
      this.position += 1;
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): FilterExpr {
    let left = this.parseNot();
    while (this.isKeyword('and')) {
      this.position += 1;
      left = { kind: 'and', left, right: this.parseNot() };
    }
    return left;
  }

  private parseNot(): FilterExpr {
    if (this.isKeyword('not')) {
      this.position += 1;
      return { kind: 'not', expr: this.parseNot() };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): FilterExpr {
    const token = this.peek();
    if (token?.t === 'lparen') {
      this.position += 1;
      const expr = this.parseOr();
      this.expect('rparen');
      return expr;
    }
    if (token?.t === 'ident' && BOOL_FUNCTIONS.has(token.v) && this.tokens[this.position + 1]?.t === 'lparen') {
      this.position += 2;
      const first = this.parseOperand();
      this.expect('comma');
      const second = this.parseOperand();
      this.expect('rparen');
      return { kind: 'call', fn: token.v as 'contains' | 'startswith' | 'endswith', args: [first, second] };
    }
    const left = this.parseOperand();
    const op = this.next();
    if (op.t !== 'ident' || !COMPARISONS.has(op.v)) throw this.error(op.at);
    const right = this.parseOperand();
    return { kind: 'compare', op: op.v as Comparison, left, right };
  }

  private parseOperand(): Operand {
    const token = this.next();
    switch (token.t) {
      case 'string':
        return { kind: 'literal', type: 'string', value: token.v };
      case 'guid':
        return { kind: 'literal', type: 'guid', value: token.v };
      case 'datetime':
        return { kind: 'literal', type: 'datetime', value: token.v };
      case 'number':
        return { kind: 'literal', type: 'number', value: token.v };
      case 'ident': {
        if (token.v === 'true' || token.v === 'false') return { kind: 'literal', type: 'boolean', value: token.v === 'true' };
        if (token.v === 'null') return { kind: 'literal', type: 'null', value: null };
        if (VALUE_FUNCTIONS.has(token.v) && this.peek()?.t === 'lparen') {
          this.position += 1;
          const arg = this.parseOperand();
          this.expect('rparen');
          return { kind: 'fn', fn: token.v as 'tolower' | 'toupper' | 'trim', arg };
        }
        return { kind: 'path', segments: token.v.split('/') };
      }
      default:
        throw this.error(token.at);
    }
  }
}

export const parseFilter = (source: string): FilterExpr => new Parser(tokenize(source), source).parse();

// ---- resolution and evaluation ----------------------------------------------------------------

export interface FilterContext {
  readonly schemas: ReadonlyMap<string, EntitySchema>;
  /** The stored row a lookup points to, for navigation paths. */
  readonly resolve: (collection: string, id: string) => Readonly<Record<string, unknown>> | undefined;
}

/** The column a path ends on, checked against the schema. */
export const resolvePath = (schema: EntitySchema, segments: readonly string[], context: FilterContext): ColumnDef => {
  const [first, ...rest] = segments;
  if (first === undefined) throw errors.syntax('Empty property path.');
  if (rest.length === 0) {
    const column = schema.columns.get(first);
    if (!column) throw errors.unknownQueryProperty(schema.name, first);
    return column;
  }
  const navigation = schema.columns.get(`${first}Id`);
  const target = navigation?.lookup ? context.schemas.get(navigation.lookup) : undefined;
  if (!navigation?.lookup) throw errors.unknownQueryProperty(schema.name, first);
  if (rest.length === 1 && rest[0] === 'Id') return { ...navigation, name: `${first}/Id` };
  if (!target) throw errors.unknownQueryProperty(navigation.lookup, rest.join('/'));
  return resolvePath(target, rest, context);
};

const operandType = (schema: EntitySchema, operand: Operand, context: FilterContext): ColumnType | LiteralType => {
  if (operand.kind === 'literal') return operand.type;
  if (operand.kind === 'fn') {
    const inner = operandType(schema, operand.arg, context);
    if (inner !== 'text' && inner !== 'string') throw errors.syntax(`No function signature for the function with name '${operand.fn}' matches the argument types.`);
    return 'text';
  }
  return resolvePath(schema, operand.segments, context).type;
};

const edmOf = (type: ColumnType | LiteralType): string => {
  switch (type) {
    case 'string':
      return 'Edm.String';
    case 'number':
      return 'Edm.Int32';
    case 'null':
      return 'null';
    case 'datetime':
      return 'Edm.DateTimeOffset';
    default:
      return type === 'boolean' ? 'Edm.Boolean' : edmType(type);
  }
};

const family = (type: ColumnType | LiteralType): string => {
  if (type === 'text' || type === 'string') return 'text';
  if (type === 'integer' || type === 'decimal' || type === 'number') return 'number';
  return type;
};

const OPERATOR_NAMES: Record<Comparison, string> = {
  eq: 'Equal',
  ne: 'NotEqual',
  gt: 'GreaterThan',
  ge: 'GreaterThanOrEqual',
  lt: 'LessThan',
  le: 'LessThanOrEqual',
};

/** Throws the OData error a real service gives for an unknown property or mismatched operand types. */
export const checkFilter = (schema: EntitySchema, expr: FilterExpr, context: FilterContext): void => {
  switch (expr.kind) {
    case 'and':
    case 'or':
      checkFilter(schema, expr.left, context);
      checkFilter(schema, expr.right, context);
      return;
    case 'not':
      checkFilter(schema, expr.expr, context);
      return;
    case 'call': {
      for (const arg of expr.args) {
        const type = operandType(schema, arg, context);
        if (family(type) !== 'text') throw errors.syntax(`No function signature for the function with name '${expr.fn}' matches the argument types.`);
      }
      return;
    }
    case 'compare': {
      const left = operandType(schema, expr.left, context);
      const right = operandType(schema, expr.right, context);
      if (left === 'null' || right === 'null') return;
      if (family(left) !== family(right)) throw errors.incompatibleOperands(edmOf(left), edmOf(right), OPERATOR_NAMES[expr.op]);
      return;
    }
  }
};

const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';

const operandValue = (schema: EntitySchema, operand: Operand, row: Readonly<Record<string, unknown>>, context: FilterContext): unknown => {
  if (operand.kind === 'literal') return operand.value;
  if (operand.kind === 'fn') {
    const inner = operandValue(schema, operand.arg, row, context);
    if (typeof inner !== 'string') return inner;
    return operand.fn === 'tolower' ? inner.toLowerCase() : operand.fn === 'toupper' ? inner.toUpperCase() : inner.trim();
  }
  let currentSchema: EntitySchema | undefined = schema;
  let current: Readonly<Record<string, unknown>> | undefined = row;
  const segments = operand.segments;
  for (let i = 0; i < segments.length; i += 1) {
    const segment = segments[i] ?? '';
    if (!current || !currentSchema) return null;
    if (i === segments.length - 1) return current[segment] ?? null;
    const navigation: ColumnDef | undefined = currentSchema.columns.get(`${segment}Id`);
    const id: unknown = current[`${segment}Id`];
    if (typeof id !== 'string' || id === EMPTY_GUID) return null;
    if (segments[i + 1] === 'Id' && i + 1 === segments.length - 1) return id;
    const target: string | undefined = navigation?.lookup;
    currentSchema = target ? context.schemas.get(target) : undefined;
    current = target ? context.resolve(target, id) : undefined;
  }
  return null;
};

/**
 * Text compares case-sensitively, as on PostgreSQL, which Creatio cloud runs (SQL Server's default
 * collation would not: the sandbox takes the less convenient side). `tolower` is how a client asks
 * for a case-insensitive match.
 */
const normalise = (value: unknown): unknown => (value === EMPTY_GUID ? null : value);

/** Orders values the way the sandbox sorts and compares: null first, then numbers, dates, text. */
export const compareValues = (a: unknown, b: unknown): number => {
  const dx = typeof a === 'string' && DATETIME.test(a) ? Date.parse(a) : Number.NaN;
  const dy = typeof b === 'string' && DATETIME.test(b) ? Date.parse(b) : Number.NaN;
  if (!Number.isNaN(dx) && !Number.isNaN(dy)) return dx - dy;
  const x = normalise(a);
  const y = normalise(b);
  if (x === null || x === undefined) return y === null || y === undefined ? 0 : -1;
  if (y === null || y === undefined) return 1;
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  if (typeof x === 'boolean' && typeof y === 'boolean') return Number(x) - Number(y);
  const sx = String(x);
  const sy = String(y);
  // Sorted like a linguistic collation (case only breaks ties); equal only when identical.
  const lx = sx.toLowerCase();
  const ly = sy.toLowerCase();
  if (lx !== ly) return lx < ly ? -1 : 1;
  return sx < sy ? -1 : sx > sy ? 1 : 0;
};

export const evaluateFilter = (schema: EntitySchema, expr: FilterExpr, row: Readonly<Record<string, unknown>>, context: FilterContext): boolean => {
  switch (expr.kind) {
    case 'and':
      return evaluateFilter(schema, expr.left, row, context) && evaluateFilter(schema, expr.right, row, context);
    case 'or':
      return evaluateFilter(schema, expr.left, row, context) || evaluateFilter(schema, expr.right, row, context);
    case 'not':
      return !evaluateFilter(schema, expr.expr, row, context);
    case 'call': {
      const haystack = normalise(operandValue(schema, expr.args[0], row, context));
      const needle = normalise(operandValue(schema, expr.args[1], row, context));
      if (typeof haystack !== 'string' || typeof needle !== 'string') return false;
      if (expr.fn === 'contains') return haystack.includes(needle);
      return expr.fn === 'startswith' ? haystack.startsWith(needle) : haystack.endsWith(needle);
    }
    case 'compare': {
      const left = operandValue(schema, expr.left, row, context);
      const right = operandValue(schema, expr.right, row, context);
      const leftNull = normalise(left) === null || left === undefined;
      const rightNull = normalise(right) === null || right === undefined;
      if (expr.op === 'eq' && (leftNull || rightNull)) return leftNull && rightNull;
      if (expr.op === 'ne' && (leftNull || rightNull)) return leftNull !== rightNull;
      if (leftNull || rightNull) return false;
      const order = compareValues(left, right);
      switch (expr.op) {
        case 'eq':
          return order === 0;
        case 'ne':
          return order !== 0;
        case 'gt':
          return order > 0;
        case 'ge':
          return order >= 0;
        case 'lt':
          return order < 0;
        case 'le':
          return order <= 0;
      }
    }
  }
  return false;
};
