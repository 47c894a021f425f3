export { DEFAULT_SANDBOX_API_KEY, startOpenCxSandbox, type OpenCxSandbox } from './server';
export { EXAMPLE_SESSION_IDS } from './seeds';
export type * from './types';
