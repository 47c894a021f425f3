/**
 * The Creatio objects the sandbox models, with the columns, lengths and required flags from Creatio's
 * own schemas (creatio-detail.md §3.1-§3.5, High for names, Medium for which columns are enforced).
 * Writing a column that is not listed here is rejected, as real Creatio rejects an unknown property.
 */
export type ColumnType = 'guid' | 'text' | 'datetime' | 'boolean' | 'integer' | 'decimal';

export interface ColumnDef {
  readonly name: string;
  readonly type: ColumnType;
  /** Characters; undefined = unlimited (MaxSizeText). */
  readonly maxLength?: number;
  readonly required?: boolean;
  /** For lookup columns (`StatusId`): the collection it points to. Navigation property = name minus `Id`. */
  readonly lookup?: string;
}

export interface EntitySchema {
  readonly name: string;
  readonly columns: ReadonlyMap<string, ColumnDef>;
}

const SHORT = 50;
const MEDIUM = 250;
const LONG = 500;

const text = (name: string, maxLength?: number, required = false): ColumnDef =>
  maxLength === undefined ? { name, type: 'text', required } : { name, type: 'text', maxLength, required };
const lookup = (name: string, target: string, required = false): ColumnDef => ({ name, type: 'guid', lookup: target, required });
const date = (name: string, required = false): ColumnDef => ({ name, type: 'datetime', required });
const bool = (name: string): ColumnDef => ({ name, type: 'boolean' });
const int = (name: string): ColumnDef => ({ name, type: 'integer' });

/** Present on every Creatio object. */
const system: readonly ColumnDef[] = [
  { name: 'Id', type: 'guid' },
  date('CreatedOn'),
  lookup('CreatedById', 'Contact'),
  date('ModifiedOn'),
  lookup('ModifiedById', 'Contact'),
  int('ProcessListeners'),
];

const lookupTable = (extra: readonly ColumnDef[] = []): readonly ColumnDef[] => [text('Name', MEDIUM), text('Description', MEDIUM), ...extra];

const definitions: Record<string, readonly ColumnDef[]> = {
  Contact: [
    text('Name', MEDIUM, true),
    text('GivenName', MEDIUM),
    text('Surname', MEDIUM),
    text('MiddleName', MEDIUM),
    text('Email', MEDIUM),
    text('Phone', MEDIUM),
    text('MobilePhone', MEDIUM),
    text('HomePhone', MEDIUM),
    text('Skype', MEDIUM),
    text('JobTitle', MEDIUM),
    lookup('AccountId', 'Account'),
    lookup('OwnerId', 'Contact'),
    lookup('TypeId', 'ContactType'),
    lookup('LanguageId', 'SysLanguage'),
    lookup('GenderId', 'Gender'),
    bool('DoNotUseEmail'),
    bool('DoNotUseSms'),
    bool('DoNotUseCall'),
    text('Notes'),
  ],
  ContactCommunication: [
    lookup('ContactId', 'Contact', true),
    lookup('CommunicationTypeId', 'CommunicationType', true),
    text('Number', MEDIUM, true),
    text('SearchNumber', MEDIUM),
    bool('NonActual'),
    bool('IsCreatedBySynchronization'),
    text('ExternalCommunicationType', MEDIUM),
  ],
  Case: [
    text('Number', SHORT),
    date('RegisteredOn', true),
    text('Subject', LONG, true),
    text('Symptoms'),
    lookup('StatusId', 'CaseStatus', true),
    lookup('PriorityId', 'CasePriority'),
    lookup('OriginId', 'CaseOrigin'),
    lookup('CategoryId', 'CaseCategory'),
    lookup('ContactId', 'Contact'),
    lookup('AccountId', 'Account'),
    lookup('OwnerId', 'Contact'),
    lookup('GroupId', 'SysAdminUnit'),
    date('ResponseDate'),
    date('SolutionDate'),
    date('RespondedOn'),
    date('FirstSolutionProvidedOn'),
    date('SolutionProvidedOn'),
    date('ClosureDate'),
    text('Solution'),
    lookup('ClosureCodeId', 'ClosureCode'),
    lookup('SatisfactionLevelId', 'SatisfactionLevel'),
    text('SatisfactionLevelComment'),
    bool('ResponseOverdue'),
    bool('SolutionOverdue'),
    text('Notes'),
    lookup('ParentCaseId', 'Case'),
    lookup('ParentActivityId', 'Activity'),
    lookup('ServiceItemId', 'ServiceItem'),
    lookup('ServicePactId', 'ServicePact'),
    lookup('SupportLevelId', 'SupportLevel'),
  ],
  Activity: [
    text('Title', LONG, true),
    date('StartDate', true),
    date('DueDate', true),
    lookup('TypeId', 'ActivityType'),
    lookup('ActivityCategoryId', 'ActivityCategory', true),
    lookup('StatusId', 'ActivityStatus', true),
    lookup('PriorityId', 'ActivityPriority', true),
    lookup('OwnerId', 'Contact'),
    lookup('AuthorId', 'Contact'),
    lookup('ContactId', 'Contact'),
    lookup('AccountId', 'Account'),
    lookup('CaseId', 'Case'),
    text('Body'),
    bool('IsHtmlBody'),
    text('DetailedResult'),
    lookup('ResultId', 'ActivityResult'),
    text('Sender', MEDIUM),
    text('Recepient'),
    text('CopyRecepient'),
    text('BlindCopyRecepient'),
    lookup('MessageTypeId', 'EmailType'),
    lookup('EmailSendStatusId', 'EmailSendStatus'),
    date('SendDate'),
    text('GlobalActivityID', MEDIUM),
    text('MailHash', SHORT),
    text('HeaderProperties'),
    bool('IsNeedProcess'),
    bool('ServiceProcessed'),
    bool('IsAutoSubmitted'),
    bool('IsNotPublished'),
    lookup('SenderContactId', 'Contact'),
    lookup('OrganizerId', 'Contact'),
    lookup('CallDirectionId', 'CallDirection'),
    text('Preview', MEDIUM),
    text('Notes'),
  ],
  // Files on an activity (creatio-detail.md §3.6): the bytes go to `…/ActivityFile(<id>)/Data`.
  ActivityFile: [
    text('Name', MEDIUM, true),
    lookup('ActivityId', 'Activity', true),
    lookup('TypeId', 'FileType'),
    int('Size'),
    int('Version'),
    bool('Inline'),
    text('Tag', MEDIUM),
    text('Notes'),
  ],
  CaseStatus: lookupTable([
    bool('IsFinal'),
    bool('IsResolved'),
    bool('IsPaused'),
    bool('IsDisplayed'),
    int('StageNumber'),
    lookup('ClosureCodeId', 'ClosureCode'),
    bool('IsCloseOnSave'),
  ]),
  CasePriority: lookupTable(),
  CaseOrigin: lookupTable(),
  CaseCategory: lookupTable(),
  ActivityType: lookupTable(),
  ActivityCategory: lookupTable([lookup('ActivityTypeId', 'ActivityType')]),
  ActivityStatus: lookupTable([bool('Finish')]),
  ActivityPriority: lookupTable(),
  EmailType: lookupTable(),
  EmailSendStatus: lookupTable(),
  CommunicationType: lookupTable(),
};

/**
 * Lookup columns checked against the referenced table when the sandbox holds it (a database foreign
 * key in real Creatio). Targets the sandbox does not model (Account, SysAdminUnit, …) are not checked.
 */
export const buildSchemas = (extraColumns: Readonly<Record<string, readonly ColumnDef[]>> = {}): ReadonlyMap<string, EntitySchema> => {
  const schemas = new Map<string, EntitySchema>();
  for (const [name, columns] of Object.entries(definitions)) {
    const all = [...system, ...columns, ...(extraColumns[name] ?? [])];
    schemas.set(name, { name, columns: new Map(all.map((column) => [column.name, column])) });
  }
  return schemas;
};

/** The type namespace in error messages and $metadata (Low: Creatio's exact EDM namespace not confirmed). */
export const ENTITY_NAMESPACE = 'Terrasoft.Configuration';

export const edmType = (type: ColumnType): string =>
  ({ guid: 'Edm.Guid', text: 'Edm.String', datetime: 'Edm.DateTimeOffset', boolean: 'Edm.Boolean', integer: 'Edm.Int32', decimal: 'Edm.Decimal' })[type];
