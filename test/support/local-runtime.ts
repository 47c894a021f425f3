import type { CreatioSandbox } from '../../local/creatio-sandbox';
import type { OpenCxSandbox } from '../../local/opencx-sandbox';
import { startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../../local/runtime';

/** The local pipeline of one test file: the runtime and its two sandboxes, there from the file's first test on. */
export interface LocalPipeline {
  readonly runtime: LocalRuntime;
  readonly creatio: CreatioSandbox;
  readonly opencx: OpenCxSandbox;
}

/**
 * Starts what `npm start` runs (on a free port, logs off unless `options` say otherwise) before a test file's
 * tests and stops it after them. One per file: the handler modules read their configuration once, as on Lambda.
 */
export const useLocalRuntime = (options: LocalRuntimeOptions = {}): LocalPipeline => {
  let started: LocalRuntime | undefined;
  beforeAll(async () => {
    started = await startLocalRuntime({ port: 0, logLevel: 'SILENT', ...options });
  });
  afterAll(async () => {
    await started?.stop();
  });
  const runtime = (): LocalRuntime => {
    if (!started) throw new Error('the local runtime is started in beforeAll');
    return started;
  };
  return {
    get runtime() {
      return runtime();
    },
    get creatio() {
      return runtime().creatio!;
    },
    get opencx() {
      return runtime().opencx!;
    },
  };
};
