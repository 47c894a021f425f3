import * as fs from 'node:fs';
import * as path from 'node:path';

/** Payloads copied from shared/examples (realistic shapes assembled from the public docs). */
export const exampleText = (name: string): string => fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'examples', name), 'utf8');
export const exampleJson = <T = Record<string, unknown>>(name: string): T => JSON.parse(exampleText(name)) as T;
