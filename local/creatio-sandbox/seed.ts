import { deterministicId } from '../../functions/shared/ids';

/**
 * Lookup rows with Creatio's out-of-the-box names and GUIDs (creatio-detail.md §3.7). Rows whose real
 * GUID is unknown (chat-like case origins, priority "Low") get a sandbox GUID derived from their name,
 * marked `sandboxOnly`: real tenants must resolve them by Name or configure them.
 */
export interface SeedRow {
  readonly collection: string;
  readonly values: Readonly<Record<string, unknown>> & { readonly Id: string; readonly Name: string };
  /** True when the GUID is the sandbox's own, not Creatio's. */
  readonly sandboxOnly?: boolean;
}

const sandboxId = (collection: string, name: string): string => deterministicId('creatio-sandbox', collection, name);

const row = (collection: string, Id: string, Name: string, extra: Record<string, unknown> = {}): SeedRow => ({
  collection,
  values: { Id, Name, ...extra },
});
const invented = (collection: string, Name: string, extra: Record<string, unknown> = {}): SeedRow => ({
  collection,
  values: { Id: sandboxId(collection, Name), Name, ...extra },
  sandboxOnly: true,
});

const status = (Id: string, Name: string, flags: { IsFinal?: boolean; IsResolved?: boolean; IsPaused?: boolean }, stage: number): SeedRow =>
  row('CaseStatus', Id, Name, {
    IsFinal: flags.IsFinal ?? false,
    IsResolved: flags.IsResolved ?? false,
    IsPaused: flags.IsPaused ?? false,
    IsDisplayed: true,
    StageNumber: stage,
  });

export const SEED_ROWS: readonly SeedRow[] = [
  // CaseStatus: High (CaseConsts / ServiceDeskConstants); flags as typically configured.
  status('ae5f2f10-f46b-1410-fd9a-0050ba5d6c38', 'New', {}, 1),
  status('7e9f1204-f46b-1410-fb9a-0050ba5d6c38', 'In progress', {}, 2),
  status('3859c6e7-cbcb-486b-ba53-77808fe6e593', 'Waiting for response', { IsPaused: true }, 3),
  status('ae7f411e-f46b-1410-009b-0050ba5d6c38', 'Resolved', { IsResolved: true }, 4),
  status('3e7f420c-f46b-1410-fc9a-0050ba5d6c38', 'Closed', { IsFinal: true }, 5),
  status('6e5f4218-f46b-1410-fe9a-0050ba5d6c38', 'Canceled', { IsFinal: true }, 5),
  status('f063ebbe-fdc6-4982-8431-d8cfa52fedcf', 'Reopened', {}, 2),

  // CasePriority: Medium is the install default (Medium confidence); High/Critical from one mapper (Low).
  row('CasePriority', 'd9bd322c-f46b-1410-ee8c-0050ba5d6c38', 'Medium'),
  row('CasePriority', '8b700f24-f46b-1410-ee8c-0050ba5d6c38', 'High'),
  row('CasePriority', 'afb33208-f46b-1410-ec8c-0050ba5d6c38', 'Critical'),
  invented('CasePriority', 'Low'),

  // CaseOrigin: Email, Portal High; Call Medium; chat-like origins are not out of the box.
  row('CaseOrigin', '7f9e1f1e-f46b-1410-3492-0050ba5d6c38', 'Email'),
  row('CaseOrigin', 'debf4124-f46b-1410-3592-0050ba5d6c38', 'Portal'),
  row('CaseOrigin', '5e5e202a-f46b-1410-3692-0050ba5d6c38', 'Call'),
  invented('CaseOrigin', 'Chat'),
  invented('CaseOrigin', 'WhatsApp'),
  invented('CaseOrigin', 'SMS'),

  row('CaseCategory', '1b0bc159-150a-e111-a31b-00155d04c01d', 'Incident'),
  row('CaseCategory', '1c0bc159-150a-e111-a31b-00155d04c01d', 'Service request'),

  row('ActivityType', 'fbe0acdc-cfc0-df11-b00f-001d60e938c6', 'Task'),
  row('ActivityType', 'e2831dec-cfc0-df11-b00f-001d60e938c6', 'Email'),
  row('ActivityType', 'e1831dec-cfc0-df11-b00f-001d60e938c6', 'Call'),
  row('ActivityType', 'e3831dec-cfc0-df11-b00f-001d60e938c6', 'Visit'),

  row('ActivityCategory', 'f51c4643-58e6-df11-971b-001d60e938c6', 'To do', { ActivityTypeId: 'fbe0acdc-cfc0-df11-b00f-001d60e938c6' }),
  row('ActivityCategory', '8038a396-7825-e011-8165-00155d043204', 'Email', { ActivityTypeId: 'e2831dec-cfc0-df11-b00f-001d60e938c6' }),
  row('ActivityCategory', 'e52bd583-7825-e011-8165-00155d043204', 'Call', { ActivityTypeId: 'e1831dec-cfc0-df11-b00f-001d60e938c6' }),
  row('ActivityCategory', '42c74c49-58e6-df11-971b-001d60e938c6', 'Meeting', { ActivityTypeId: 'fbe0acdc-cfc0-df11-b00f-001d60e938c6' }),
  row('ActivityCategory', '2365ae4f-58e6-df11-971b-001d60e938c6', 'Paperwork', { ActivityTypeId: 'fbe0acdc-cfc0-df11-b00f-001d60e938c6' }),

  row('ActivityStatus', '384d4b84-58e6-df11-971b-001d60e938c6', 'Not started', { Finish: false }),
  row('ActivityStatus', '394d4b84-58e6-df11-971b-001d60e938c6', 'In progress', { Finish: false }),
  row('ActivityStatus', '4bdbb88f-58e6-df11-971b-001d60e938c6', 'Completed', { Finish: true }),
  row('ActivityStatus', '201cfba8-58e6-df11-971b-001d60e938c6', 'Canceled', { Finish: true }),

  // The schema default priority (High); its name "Medium" is a guess (Low).
  row('ActivityPriority', 'ab96fa02-7fe6-df11-971b-001d60e938c6', 'Medium'),

  row('EmailType', '7f9d1f86-f36b-1410-068c-20cf30b39373', 'Incoming'),
  row('EmailType', '7f6d3f94-f36b-1410-068c-20cf30b39373', 'Outgoing'),

  row('EmailSendStatus', '8074ffc0-6107-e011-a646-16d83cab0980', 'Sent'),
  row('EmailSendStatus', '20c0c460-6107-e011-a646-16d83cab0980', 'Not sent'),
  row('EmailSendStatus', '603ba6af-6107-e011-a646-16d83cab0980', 'In progress'),
  row('EmailSendStatus', '7459545a-9229-4ee7-b501-03b8a50e2b39', 'Opened'),

  row('CommunicationType', 'ee1c85c3-cfcb-df11-9b2a-001d60e938c6', 'Email'),
  row('CommunicationType', 'd4a2dc80-30ca-df11-9b2a-001d60e938c6', 'Mobile phone'),
  row('CommunicationType', '0da6a26b-d7bc-df11-b00f-001d60e938c6', 'Home phone'),
  row('CommunicationType', '3dddb3cc-53ee-49c4-a71f-e9e257f59e49', 'Business phone'),
  row('CommunicationType', '6a3fb10c-67cc-df11-9b2a-001d60e938c6', 'Main phone'),
  row('CommunicationType', '09e4bda6-cfcb-df11-9b2a-001d60e938c6', 'Skype'),

  // Contacts as people type them into Creatio: mixed case, spaces, brackets, national formats. Their
  // phone columns are mirrored into ContactCommunication with SearchNumber (communications.ts).
  invented('Contact', 'Priya Raman', { Email: 'Priya.Raman@Example.COM', MobilePhone: '+1 (212) 555-0187' }),
  invented('Contact', 'Lukas Meyer', { Email: 'lukas.meyer@beispiel.de', Phone: '030 90182044', MobilePhone: '0170 1234567' }),
  invented('Contact', 'Sofia Marquez', { Email: ' sofia.marquez@example.net', MobilePhone: '212.555.0123' }),
];

/** The contact the sandbox's "integration user" writes as (CreatedById / ModifiedById). Sandbox-only. */
export const SANDBOX_USER_CONTACT_ID = sandboxId('Contact', 'OpenCX integration (sandbox)');
