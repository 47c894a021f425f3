/**
 * Lookup GUIDs seeded by Creatio out of the box (reference creatio.md "Well-known lookup ids" and
 * creatio-detail.md §3.7). Tenants may have edited their lookups: resolve by `Name` or let the tenant
 * configure, and use these only as defaults. Confidence per group in the comments.
 */
export const ActivityTypeIds = {
  /** High */ Task: 'fbe0acdc-cfc0-df11-b00f-001d60e938c6',
  /** High */ Email: 'e2831dec-cfc0-df11-b00f-001d60e938c6',
  /** High */ Call: 'e1831dec-cfc0-df11-b00f-001d60e938c6',
  /** High */ Visit: 'e3831dec-cfc0-df11-b00f-001d60e938c6',
} as const;

export const ActivityCategoryIds = {
  /** High */ ToDo: 'f51c4643-58e6-df11-971b-001d60e938c6',
  /** High */ Email: '8038a396-7825-e011-8165-00155d043204',
  /** High */ Call: 'e52bd583-7825-e011-8165-00155d043204',
  /** High */ Meeting: '42c74c49-58e6-df11-971b-001d60e938c6',
  /** High */ Paperwork: '2365ae4f-58e6-df11-971b-001d60e938c6',
} as const;

export const ActivityStatusIds = {
  /** High */ NotStarted: '384d4b84-58e6-df11-971b-001d60e938c6',
  /** High */ InProgress: '394d4b84-58e6-df11-971b-001d60e938c6',
  /** High */ Completed: '4bdbb88f-58e6-df11-971b-001d60e938c6',
  /** High */ Canceled: '201cfba8-58e6-df11-971b-001d60e938c6',
} as const;

export const ActivityPriorityIds = {
  /** The schema default (Creatio source, High); that its name is "Medium" is unverified (Low). */
  Medium: 'ab96fa02-7fe6-df11-971b-001d60e938c6',
} as const;

/** Activity.MessageTypeId (the EmailType lookup). High. */
export const EmailMessageTypeIds = {
  Incoming: '7f9d1f86-f36b-1410-068c-20cf30b39373',
  Outgoing: '7f6d3f94-f36b-1410-068c-20cf30b39373',
} as const;

export const EmailSendStatusIds = {
  /** High */ Sent: '8074ffc0-6107-e011-a646-16d83cab0980',
  /** High */ NotSent: '20c0c460-6107-e011-a646-16d83cab0980',
  /** High */ InProgress: '603ba6af-6107-e011-a646-16d83cab0980',
  /** Medium */ Opened: '7459545a-9229-4ee7-b501-03b8a50e2b39',
} as const;

export const CaseStatusIds = {
  /** High */ New: 'ae5f2f10-f46b-1410-fd9a-0050ba5d6c38',
  /** High */ InProgress: '7e9f1204-f46b-1410-fb9a-0050ba5d6c38',
  /** High (IsPaused) */ WaitingForResponse: '3859c6e7-cbcb-486b-ba53-77808fe6e593',
  /** High (IsResolved) */ Resolved: 'ae7f411e-f46b-1410-009b-0050ba5d6c38',
  /** High (IsFinal) */ Closed: '3e7f420c-f46b-1410-fc9a-0050ba5d6c38',
  /** High (IsFinal) */ Canceled: '6e5f4218-f46b-1410-fe9a-0050ba5d6c38',
  /** High */ Reopened: 'f063ebbe-fdc6-4982-8431-d8cfa52fedcf',
} as const;

export const CaseOriginIds = {
  /** High */ Email: '7f9e1f1e-f46b-1410-3492-0050ba5d6c38',
  /** High */ Portal: 'debf4124-f46b-1410-3592-0050ba5d6c38',
  /** Medium (the seeded default; its name "Call" rests on the UI default) */ Call: '5e5e202a-f46b-1410-3692-0050ba5d6c38',
} as const;

export const CasePriorityIds = {
  /** Medium (default CasePriorityDef) */ Medium: 'd9bd322c-f46b-1410-ee8c-0050ba5d6c38',
  /** Low confidence (one third-party mapper) */ High: '8b700f24-f46b-1410-ee8c-0050ba5d6c38',
  /** Low confidence (one third-party mapper) */ Critical: 'afb33208-f46b-1410-ec8c-0050ba5d6c38',
} as const;

export const CaseCategoryIds = {
  /** High */ Incident: '1b0bc159-150a-e111-a31b-00155d04c01d',
  /** High */ ServiceRequest: '1c0bc159-150a-e111-a31b-00155d04c01d',
} as const;

export const CommunicationTypeIds = {
  /** High */ Email: 'ee1c85c3-cfcb-df11-9b2a-001d60e938c6',
  /** High */ MobilePhone: 'd4a2dc80-30ca-df11-9b2a-001d60e938c6',
  /** High */ HomePhone: '0da6a26b-d7bc-df11-b00f-001d60e938c6',
  /** Medium */ BusinessPhone: '3dddb3cc-53ee-49c4-a71f-e9e257f59e49',
  /** Medium */ MainPhone: '6a3fb10c-67cc-df11-9b2a-001d60e938c6',
} as const;
