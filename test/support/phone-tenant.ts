import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CreatioSandbox } from '../../local/creatio-sandbox';
import type { OpenCxSandbox } from '../../local/opencx-sandbox';
import { waitFor } from './wait';

/** The example tenant with a default phone country: a file of its own, as an operator would write it (its path). */
export const tenantForCountry = (defaultCountry: string): string => {
  const example = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'tenants', 'example.json'), 'utf8')) as { creatio: Record<string, unknown> };
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'tenant-')), 'example.json');
  writeFileSync(file, JSON.stringify({ ...example, creatio: { ...example.creatio, defaultCountry } }));
  return file;
};

/** A customer who writes on a phone channel and is handed off; resolves with the Creatio case of the conversation. */
export const phoneConversation = async (
  creatio: CreatioSandbox,
  opencx: OpenCxSandbox,
  channel: 'whatsapp' | 'sms' | 'phone_voice',
  phone: string,
): Promise<Record<string, unknown>> => {
  const { session } = await opencx.createSession({ channel, contact: { name: 'Caller', phone_number: phone } });
  await opencx.addMessage(session.id, { author: 'customer', text: `Hello, this is about my order (${channel}).` });
  await opencx.handOff(session.id, { summary: 'The customer asks about an order.' });
  return waitFor(
    () => creatio.store.list('Case').find((c) => creatio.store.list('Activity').some((a) => a.CaseId === c.Id && String(a.Body).includes(session.id))),
    `the case of the ${channel} conversation`,
  );
};
