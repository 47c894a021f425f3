import { runInNewContext } from 'node:vm';
import { errorFields } from '../../functions/shared/log';
import { redact } from '../../functions/shared/redact';

describe('Error text on its way to logs and DLQ attributes', () => {
  it('hides the value Creatio quotes in a truncation error but keeps what went wrong', () => {
    const text = redact(
      "Creatio POST Contact (in $batch) failed with HTTP 500: String or binary data would be truncated in table 'dbo.Contact', column 'Email'. Truncated value: 'Dana.Whitfield@Example.ORG'.",
    );

    expect(text).not.toMatch(/whitfield/i);
    expect(text).toContain("column 'Email'");
    expect(text).toContain('HTTP 500');
  });

  it("hides email addresses, phone numbers however typed, and PostgreSQL's Key (…)=(…) value", () => {
    const text = redact('Key (Email)=(jo@example.org) exists; contact +1 (415) 555-0134 or 4915123456789; write to nora.p@example.org');

    expect(text).toBe('Key (Email)=([redacted]) exists; contact [number] or [number]; write to [email]');
  });

  it('keeps GUIDs, ISO timestamps and small numbers, which tell an operator where to look', () => {
    const text = 'case 6f1c2f1e-8d0a-5b7e-9c3d-2a1b0c9d8e7f at 2026-11-20T14:03:12.418Z: HTTP 503 after 3 attempts (attempt 2 of 4)';

    expect(redact(text)).toBe(text);
  });

  it('is applied to the error message of every log line', () => {
    const fields = errorFields(new Error("OpenCX answered 400: contact.email 'dana@example.org' is invalid"));

    expect(JSON.stringify(fields)).not.toContain('dana@example.org');
  });

  it('names an error made in another realm (a socket error under a test runner) instead of logging "object"', () => {
    const foreign: unknown = runInNewContext("new TypeError('fetch failed')");

    expect(foreign instanceof Error).toBe(false);
    expect(errorFields(foreign)).toMatchObject({ errorName: 'TypeError', errorMessage: 'fetch failed' });
  });
});
