import { EMPTY_GUID, buildQueryString, entityPath, filter, lookupValue, odataLiteral } from '../../functions/shared/creatio';
import { CASE_ID } from '../fixtures/creatio/stub-fetch';

describe('OData query building', () => {
  it('quotes strings and doubles a quote inside them', () => {
    expect(filter.eqText('Name', "O'Brien")).toBe("Name eq 'O''Brien'");
    expect(filter.contains('Email', "a'b")).toBe("contains(Email,'a''b')");
  });

  it('keeps GUIDs bare, lower-cased, and filters lookups through the navigation property', () => {
    expect(odataLiteral(CASE_ID.toUpperCase())).toBe(CASE_ID);
    expect(filter.lookupIs('Case', CASE_ID)).toBe(`Case/Id eq ${CASE_ID}`);
    expect(() => filter.lookupIs('Case', "x' or 1 eq 1")).toThrow(TypeError);
  });

  it('percent-encodes every option value so that + and & survive', () => {
    expect(buildQueryString({ filter: "Phone eq '+1 555&2'", select: ['Id', 'Name'], top: 5, count: true, orderBy: ['CreatedOn desc'] })).toBe(
      "?$filter=Phone%20eq%20'%2B1%20555%262'&$select=Id%2CName&$orderby=CreatedOn%20desc&$top=5&$count=true",
    );
    expect(buildQueryString(undefined)).toBe('');
  });

  it('addresses a record as Collection(<guid>) and rejects anything else as a key', () => {
    expect(entityPath('Case', CASE_ID)).toBe(`Case(${CASE_ID})`);
    expect(() => entityPath('Case', "1' or '1")).toThrow(TypeError);
    expect(() => entityPath('Case?x=1', CASE_ID)).toThrow(TypeError);
  });

  it('reads an unset lookup (empty GUID, empty string or null) as null', () => {
    expect(lookupValue(EMPTY_GUID)).toBeNull();
    expect(lookupValue('')).toBeNull();
    expect(lookupValue(null)).toBeNull();
    expect(lookupValue(CASE_ID.toUpperCase())).toBe(CASE_ID);
  });
});
