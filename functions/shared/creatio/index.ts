export { CreatioClient } from './creatio-client';
export { type PhoneCandidate } from './contact-search';
export { defaultIdentityUrl } from './instance-url';
export type {
  ActivityInput,
  ActivityRecord,
  CaseInput,
  CasePatch,
  CaseRecord,
  CaseStatusInfo,
  ContactInput,
  ContactRecord,
  CreateResult,
  CreatioClientConfig,
  CreatioClientEvent,
  CreatioRecord,
  LookupCollection,
  LookupRecord,
  ODataPage,
  RequestCounts,
  RequestKind,
} from './creatio-types';
export {
  type BatchItemResult,
  type BatchOperation,
  type BatchOptions,
  type BatchOutcome,
  MAX_BATCH_REQUESTS,
  batchOp,
  isBatchSuccess,
} from './batch';
export {
  type CreatioErrorDetail,
  errorForStatus,
  isDuplicateKeyMessage,
  isPermanentDataErrorMessage,
  parseCreatioError,
  tokenFailureError,
} from './creatio-errors';
export {
  EMPTY_GUID,
  type ODataQuery,
  assertGuid,
  buildQueryString,
  entityPath,
  filter,
  isGuid,
  lookupValue,
  odataLiteral,
  odataString,
} from './odata-query';
export { backoffDelayMs, parseRetryAfterMs } from './retry-policy';
export { type IssuedToken, TokenCache } from './token-cache';
export * from './well-known-ids';
