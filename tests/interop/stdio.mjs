// JSON lines between a client script and the Python test that drives it.
//
// The test writes one JSON object per line on stdin; the script answers one JSON object per
// line on stdout. A script ends with {"result": ...} or, when it throws, {"error": ...}.
import { createInterface } from 'node:readline';

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })[
  Symbol.asyncIterator
]();

export function send(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

export async function receive() {
  const { value, done } = await lines.next();
  if (done) {
    throw new Error('stdin closed before the test sent the next message');
  }
  return JSON.parse(value);
}

// What a library error says, as plain JSON: the OAuth error code, the HTTP status, the
// library's own code (openid-client and oauth4webapi set `code`), the WWW-Authenticate
// challenges and the unread body of a refused request, and the error it wraps.
export async function describe(error) {
  const described = { name: error?.name, message: String(error?.message ?? error) };
  for (const key of ['code', 'error', 'error_description', 'status']) {
    if (error?.[key] !== undefined) described[key] = error[key];
  }
  if (Array.isArray(error?.cause)) {
    described.challenges = error.cause.map(({ scheme, parameters }) => ({ scheme, parameters }));
  } else if (error?.cause instanceof Error) {
    described.cause = await describe(error.cause);
  }
  if (error?.response instanceof Response && !error.response.bodyUsed) {
    described.body = await error.response.text().catch(() => undefined);
  }
  return described;
}

// Runs a step that is expected to fail: {"ok": true} or {"ok": false, "error": {...}}.
export async function outcome(step) {
  try {
    await step();
    return { ok: true };
  } catch (error) {
    return { ok: false, error: await describe(error) };
  }
}

// Runs a script's main function: its result, or its error, is the last line it prints.
export async function run(main) {
  try {
    send({ result: await main() });
  } catch (error) {
    send({ error: { ...(await describe(error)), stack: error?.stack } });
    process.exitCode = 1;
  } finally {
    lines.return?.();
  }
}
