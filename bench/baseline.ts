/**
 * The figures of issue 13's "before" column: `main` at b8c57bb (2026-12-02), measured with this
 * benchmark on the project's 2-core machine (init times: 25 fresh processes per bundle, interleaved
 * with the current build so both saw the same load). Counts are exact; `npm run bench` prints the
 * current figures next to them.
 */
export const BASELINE = {
  commit: 'b8c57bb',
  everyConversation: { livePerMessage: 2, burstOfTen: 2 },
  opencxPerHandoff200: 11,
  creatio10: { newCold: 5, newWarm: 3, knownCold: 4, knownWarm: 2 },
  creatio200: { newCold: 7, newWarm: 5, knownCold: 6, knownWarm: 4 },
  dynamoWrites: { m10: 13, m200: 203 },
  dynamoReads: 4,
  bundleKb: { 'opencx-webhook': 458, 'creatio-webhook': 454, 'sync-to-creatio': 888, 'sync-to-opencx': 763 } as Record<string, number>,
  /** As deployed then: `--enable-source-maps` on every function. */
  initMs: {
    'opencx-webhook': { min: 69.0, median: 89.0 },
    'creatio-webhook': { min: 69.2, median: 88.2 },
    'sync-to-creatio': { min: 120.8, median: 149.7 },
    'sync-to-opencx': { min: 117.1, median: 138.0 },
  } as Record<string, { min: number; median: number }>,
} as const;
