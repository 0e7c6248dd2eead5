// Waiting on a condition rather than on a guess of how long something takes: a test polls the
// state it needs until it holds. The cap is only a safety net that turns a hang into a clear
// failure before the test's own timeout: a busy shared machine (CI runs several suites at once on
// two cores) can be many times slower than a developer's.
import { setTimeout as sleep } from 'node:timers/promises';

/** The default cap of `until`: generous, and below vitest's testTimeout so that the message names what never happened. */
export const UNTIL_CAP_MS = 300_000;

/** Polls `check` until it returns a truthy value, and returns that value; throws naming `what` past `timeoutMs`. */
export async function until<T>(what: string, check: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = UNTIL_CAP_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}
