import type * as z from 'zod';
import { ValidationError } from '../errors';

const describePath = (prefix: string, path: readonly PropertyKey[]): string =>
  [prefix, ...path.map(String)].filter(Boolean).join('.') || 'body';

/** zod issues as sentences naming the field: `data.conversation_id: must not be empty`. */
export const issuesToDetails = (issues: readonly z.core.$ZodIssue[], prefix = ''): string[] =>
  issues.slice(0, 20).map((issue) => {
    if (issue.code === 'invalid_type' && issue.input === undefined) {
      return `${describePath(prefix, issue.path)}: is required`;
    }
    return `${describePath(prefix, issue.path)}: ${issue.message}`;
  });

export const parseOrThrow = <S extends z.ZodType>(schema: S, value: unknown, summary: string, prefix = ''): z.infer<S> => {
  const result = schema.safeParse(value);
  if (!result.success) {
    const details = issuesToDetails(result.error.issues, prefix);
    throw new ValidationError(`${summary}: ${details.join('; ')}`, 400, details);
  }
  return result.data;
};
