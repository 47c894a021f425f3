/**
 * Stands in for SQS and Secrets Manager behind the webhook Lambdas' signed fetch calls
 * (functions/shared/aws/aws-json-api.ts): records each call's operation and input and answers like AWS.
 * Other fetches pass through untouched.
 */
export interface FakeAwsJson {
  /** Inputs of the calls to `operation` (e.g. 'SendMessage'), in order. */
  calls(operation: string): Record<string, unknown>[];
  /** Whether every recorded call was SigV4-signed for its service. */
  allSigned(): boolean;
  reset(): void;
  /** The next calls to `operation` fail at the transport (e.g. connection refused). */
  rejectWith(operation: string, error: Error): void;
  /** The next calls to `operation` answer with an AWS JSON error. */
  answerError(operation: string, status: number, type: string, message: string): void;
  restore(): void;
}

export const fakeAwsJson = (answers: Record<string, unknown> = { SendMessage: { MessageId: 'm-1' } }): FakeAwsJson => {
  process.env.AWS_ACCESS_KEY_ID ||= 'AKIDEXAMPLE';
  process.env.AWS_SECRET_ACCESS_KEY ||= 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
  const realFetch = globalThis.fetch;
  let recorded: { operation: string; input: Record<string, unknown>; signed: boolean }[] = [];
  let failures = new Map<string, () => Promise<Response>>();
  const spy = jest.spyOn(globalThis, 'fetch').mockImplementation(async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    const target = request.headers.get('x-amz-target');
    if (!target) return realFetch(input, init);
    const operation = target.split('.').pop() ?? target;
    const authorization = request.headers.get('authorization') ?? '';
    recorded.push({ operation, input: JSON.parse(await request.text()) as Record<string, unknown>, signed: /^AWS4-HMAC-SHA256 Credential=/.test(authorization) });
    const failure = failures.get(operation);
    if (failure) return failure();
    return new Response(JSON.stringify(answers[operation] ?? {}), { status: 200, headers: { 'content-type': 'application/x-amz-json-1.0' } });
  });
  return {
    calls: (operation) => recorded.filter((call) => call.operation === operation).map((call) => call.input),
    allSigned: () => recorded.every((call) => call.signed),
    reset: () => {
      recorded = [];
      failures = new Map();
    },
    rejectWith: (operation, error) => failures.set(operation, () => Promise.reject(error)),
    answerError: (operation, status, type, message) =>
      failures.set(operation, async () => new Response(JSON.stringify({ __type: type, message }), { status, headers: { 'content-type': 'application/x-amz-json-1.0' } })),
    restore: () => spy.mockRestore(),
  };
};
