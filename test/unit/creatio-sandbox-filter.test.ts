import { buildSchemas } from '../../local/creatio-sandbox';
import { checkFilter, evaluateFilter, parseFilter } from '../../local/creatio-sandbox/odata-filter';
import { SandboxError } from '../../local/creatio-sandbox/sandbox-errors';

const schemas = buildSchemas();
const contact = schemas.get('Contact');
const activity = schemas.get('Activity');
const CASE_ID = '6f1c2f1e-8d0a-5b7e-9c3d-2a1b0c9d8e7f';
const STATUS_ID = 'ae5f2f10-f46b-1410-fd9a-0050ba5d6c38';
const rowsById: Record<string, Record<string, unknown>> = { [CASE_ID]: { Id: CASE_ID, Subject: 'Printer', StatusId: STATUS_ID } };
const context = { schemas, resolve: (_collection: string, id: string) => rowsById[id] };

const matches = (source: string, row: Record<string, unknown>, schema = contact): boolean => {
  if (!schema) throw new Error('schema missing');
  const expr = parseFilter(source);
  checkFilter(schema, expr, context);
  return evaluateFilter(schema, expr, row, context);
};

describe('Creatio sandbox $filter', () => {
  const ann = { Id: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', Name: "Ann O'Brien", Email: 'Ann@Example.com', Phone: '', MobilePhone: '+15551234567' };

  it("compares strings case-sensitively, as PostgreSQL does, and reads '' inside a literal as one quote", () => {
    expect(matches("Email eq 'ann@example.com'", ann)).toBe(false);
    expect(matches("Email eq 'Ann@Example.com'", ann)).toBe(true);
    expect(matches("Name eq 'Ann O''Brien'", ann)).toBe(true);
    expect(matches("Name ne 'Ann O''Brien'", ann)).toBe(false);
  });

  it('binds and tighter than or, and honours parentheses and not', () => {
    expect(matches("Email eq 'x' and Name eq 'y' or MobilePhone eq '+15551234567'", ann)).toBe(true);
    expect(matches("Email eq 'x' and (Name eq 'y' or MobilePhone eq '+15551234567')", ann)).toBe(false);
    expect(matches("not (Email eq 'x')", ann)).toBe(true);
  });

  it('supports contains, startswith, endswith and tolower, case-sensitive unless lowered', () => {
    expect(matches("contains(Email,'@example')", ann)).toBe(false);
    expect(matches("contains(tolower(Email),'@example')", ann)).toBe(true);
    expect(matches("startswith(Name,'ann')", ann)).toBe(false);
    expect(matches("startswith(Name,'Ann')", ann)).toBe(true);
    expect(matches("endswith(Email,'.org')", ann)).toBe(false);
    expect(matches("tolower(Email) eq 'ann@example.com'", ann)).toBe(true);
  });

  it('filters a lookup by Case/Id or CaseId with a bare GUID, and follows Case/Subject', () => {
    const email = { Id: 'x', Title: 'Re: printer', CaseId: CASE_ID };
    expect(matches(`Case/Id eq ${CASE_ID}`, email, activity)).toBe(true);
    expect(matches(`CaseId eq ${CASE_ID.toUpperCase()}`, email, activity)).toBe(true);
    expect(matches("Case/Subject eq 'Printer'", email, activity)).toBe(true);
  });

  it('treats an empty-GUID lookup as null', () => {
    const loose = { Id: 'x', Title: 'Loose', CaseId: '00000000-0000-0000-0000-000000000000' };
    expect(matches('Case/Id eq null', loose, activity)).toBe(true);
    expect(matches('CaseId ne null', loose, activity)).toBe(false);
  });

  it('rejects a GUID column compared with a quoted string, as OData does', () => {
    expect(() => matches(`CaseId eq '${CASE_ID}'`, {}, activity)).toThrow(/incompatible types.*'Edm.Guid' and 'Edm.String'/);
  });

  it('rejects an unknown property with the OData message', () => {
    expect(() => matches("Emial eq 'x'", ann)).toThrow("Could not find a property named 'Emial' on type 'Terrasoft.Configuration.Contact'.");
  });

  it('rejects malformed expressions with a 400 syntax error', () => {
    for (const source of ["Email eq 'open", 'Email eq', "Email = 'x'", "(Email eq 'x'", "guid'x' eq Id"]) {
      let caught: unknown;
      try {
        matches(source, ann);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(SandboxError);
      expect(caught).toMatchObject({ status: 400 });
    }
  });

  it('compares date-times chronologically', () => {
    const row = { Id: 'x', Title: 't', StartDate: '2025-01-02T10:00:00.000Z' };
    expect(matches('StartDate gt 2025-01-02T09:00:00Z', row, activity)).toBe(true);
    expect(matches('StartDate lt 2025-01-02T11:00:00+02:00', row, activity)).toBe(false);
  });
});
