import { quarantineSection } from './quarantine';
import type { Target } from './target';

/**
 * Extra parts of `npm run ops -- status`, each in its own file (e.g. the conversations the sync has
 * quarantined, read from `target.stateTable`). A section returns its lines (a heading first) and whether
 * it shows something an operator must act on (status then exits with 2).
 */
export type StatusSection = (target: Target, now: Date) => Promise<{ readonly lines: readonly string[]; readonly problem: boolean }>;

/** Printed after the queues, in this order. */
export const STATUS_SECTIONS: readonly StatusSection[] = [quarantineSection];
