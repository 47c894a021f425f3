#!/usr/bin/env node
// Polls a JSON URL until an expression over its answer has a value, prints that value, exits 0.
// Used by the README's round trip so that each step waits for the sync it needs (plain Node, no build step):
//
//   node scripts/wait-for.mjs <url> '<expression over r, the parsed answer; $1, $2... are the extra arguments>' [arg...]
//   C=$(node scripts/wait-for.mjs localhost:4020/_sandbox/api/Activity 'r.find((a) => a.Body.includes($1))?.CaseId' "$S")
//
// "Has a value": not undefined, null, false, '' or an empty array. Strings are printed as they are, anything
// else as JSON. Gives up after WAIT_FOR_TIMEOUT_MS (default 15000) with exit code 1 and the last answer.
const [url, expression, ...args] = process.argv.slice(2);
if (!url || !expression) {
  process.stderr.write("usage: node scripts/wait-for.mjs <url> '<expression over r>' [arg...]\n");
  process.exit(64);
}
const target = /^https?:\/\//.test(url) ? url : `http://${url}`;
const names = args.map((_, index) => `$${index + 1}`);
let select;
try {
  select = new Function('r', ...names, `return (${expression});`);
} catch (error) {
  process.stderr.write(`wait-for: the expression does not parse (${error.message}): ${expression}\n`);
  process.exit(64);
}
const timeoutMs = Number(process.env.WAIT_FOR_TIMEOUT_MS ?? 15_000);
const deadline = Date.now() + timeoutMs;
const hasValue = (value) => value !== undefined && value !== null && value !== false && value !== '' && !(Array.isArray(value) && value.length === 0);

let last = 'no answer yet';
for (;;) {
  try {
    const response = await fetch(target);
    const text = await response.text();
    last = `HTTP ${response.status}: ${text.slice(0, 300)}`;
    if (response.ok) {
      const value = select(JSON.parse(text), ...args);
      if (hasValue(value)) {
        process.stdout.write(`${typeof value === 'string' ? value : JSON.stringify(value)}\n`);
        process.exit(0);
      }
    }
  } catch (error) {
    last = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}` : String(error);
  }
  if (Date.now() > deadline) {
    process.stderr.write(`wait-for: gave up after ${timeoutMs / 1000} s waiting for ${expression} at ${target}; last answer: ${last}\n`);
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
}
