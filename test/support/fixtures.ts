import * as fs from 'node:fs';
import * as path from 'node:path';

const EXAMPLES = path.join(__dirname, '..', 'fixtures', 'examples');
/** The OpenCX example sessions and histories are the OpenCX sandbox's seeds: one copy, in local/opencx-sandbox/seeds. */
const SEEDS = path.join(__dirname, '..', '..', 'local', 'opencx-sandbox', 'seeds');

const fileOf = (name: string): string => {
  const seed = /^opencx-((?:session|history)-[a-z-]+\.json)$/.exec(name);
  return seed?.[1] ? path.join(SEEDS, seed[1]) : path.join(EXAMPLES, name);
};

/** Payloads copied from shared/examples (realistic shapes assembled from the public docs), by their names there. */
export const exampleText = (name: string): string => fs.readFileSync(fileOf(name), 'utf8');
export const exampleJson = <T = Record<string, unknown>>(name: string): T => JSON.parse(exampleText(name)) as T;
