/** Polls until `condition` holds (bounded): the pipeline is asynchronous (webhook → queue → consumer). */
export const waitFor = async <T>(condition: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

/** Waits until nothing changes for `quietMs` (used to prove that nothing more is written). */
export const settle = async (snapshot: () => unknown, quietMs = 1500, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  let last = JSON.stringify(snapshot());
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() > deadline) throw new Error('did not settle');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = JSON.stringify(snapshot());
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
};
