import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * An upstream credential held in memory. Every way of turning it into text (string
 * interpolation, JSON, util.inspect, pino) yields `[redacted]`; only `reveal()` gives the
 * value, and only the adapters call it, to build an auth header.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }
}
