import { cliEnvironment } from './config';

/** A service's answer, read whole. */
export interface Answer {
  readonly status: number;
  readonly ok: boolean;
  readonly text: string;
}

/**
 * Calls a service and reads its answer within EMBARGO_HTTP_TIMEOUT_SECONDS (60): a service
 * that accepts the connection and never answers (stalled, or behind a proxy holding it)
 * must not hold a script or a cron job that runs the command for ever. Failures become
 * errors that name the service and its address.
 */
export async function callService(
  service: string,
  url: string,
  init: RequestInit,
): Promise<Answer> {
  const seconds = timeoutSeconds(cliEnvironment.httpTimeoutSeconds);
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(seconds * 1000) });
    return { status: res.status, ok: res.ok, text: await res.text() };
  } catch (err) {
    const origin = new URL(url).origin;
    if ((err as Error).name === 'TimeoutError')
      throw new Error(`${service} at ${origin} did not answer within ${seconds} s`);
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new Error(`cannot reach ${service} at ${origin} (${cause})`);
  }
}

function timeoutSeconds(value: string | undefined): number {
  if (value === undefined) return 60;
  const n = Number(value);
  if (!(n > 0 && n <= 3600))
    throw new Error(
      `EMBARGO_HTTP_TIMEOUT_SECONDS must be seconds above 0, at most 3600: got '${value}'`,
    );
  return n;
}
