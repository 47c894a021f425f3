import type * as z from 'zod';
import { config, safeParse, type $ZodType, type output } from 'zod/v4/core';
import { en } from 'zod/locales';

// The webhook schemas use zod/mini, which loads no locale: zod's English messages for its built-in checks.
config(en());
import { ValidationError } from '../errors';

const describePath = (prefix: string, path: readonly PropertyKey[]): string => [prefix, ...path.map(String)].filter(Boolean).join('.') || 'body';

/** Whether `path` leads to a value in `root` (zod 4 issues carry no input unless asked to). */
const isPresent = (root: unknown, path: readonly PropertyKey[]): boolean => {
  let node: unknown = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !(key in node)) return false;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node !== undefined;
};

const describeType = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`);

const valueAt = (root: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined), root);

/** zod issues as sentences naming the field: `data.conversation_id: is required`, `caseId: must be ... (got a number)`. */
export const issuesToDetails = (issues: readonly z.core.$ZodIssue[], prefix = '', root?: unknown): string[] =>
  issues.slice(0, 20).map((issue) => {
    const where = describePath(prefix, issue.path);
    if (issue.code === 'invalid_type') {
      if (!isPresent(root, issue.path)) return `${where}: is required`;
      return `${where}: ${issue.message} (got ${describeType(valueAt(root, issue.path))})`;
    }
    return `${where}: ${issue.message}`;
  });

export const parseOrThrow = <S extends $ZodType>(schema: S, value: unknown, summary: string, prefix = ''): output<S> => {
  const result = safeParse(schema, value);
  if (!result.success) {
    const details = issuesToDetails(result.error.issues, prefix, value);
    throw new ValidationError(`${summary}: ${details.join('; ')}`, 400, details);
  }
  return result.data;
};
