/**
 * The team's example sessions, copied into ./seeds (the repository's only copy: tests read them here
 * too; nothing reaches outside the repository): an email conversation with Gmail/Outlook quotes and an
 * attachment, and a WhatsApp conversation with an image and a voice note, both handed off.
 */
import emailHistory from './seeds/history-email.json';
import whatsappHistory from './seeds/history-whatsapp.json';
import emailSession from './seeds/session-email.json';
import whatsappSession from './seeds/session-whatsapp.json';
import type { HistoryItem, SessionObject } from './types';

export interface SeedSession {
  readonly session: SessionObject;
  readonly history: HistoryItem[];
}

/** Served verbatim: the WhatsApp example deliberately leaves fields out (clients must be lenient). */
const copy = (session: Record<string, unknown>): SessionObject => structuredClone(session) as SessionObject;

export const EXAMPLE_SESSION_IDS = {
  email: emailSession.id,
  whatsapp: whatsappSession.id,
} as const;

/** Fresh copies every time, so a test that mutates one cannot affect another. */
export const exampleSeeds = (): SeedSession[] => [
  { session: copy(emailSession), history: structuredClone(emailHistory.items) as HistoryItem[] },
  { session: copy(whatsappSession), history: structuredClone(whatsappHistory.items) as HistoryItem[] },
];
