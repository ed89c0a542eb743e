import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';

/**
 * One redaction list for every app: credentials, tokens and raw input never reach a log
 * line, whatever object they are nested in.
 */
export const REDACT_PATHS = [
  'authorization',
  'Authorization',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  '*.token',
  '*.accessToken',
  '*.access_token',
  '*.subject_token',
  '*.apiKey',
  '*.api_key',
  '*.secret',
  '*.password',
  '*.input',
  '*.texts',
  '*.originalInput',
  'token',
  'input',
  'texts',
  'password',
  'secret',
  'apiKey',
];

export function createLogger(app: string, level: string, instance: string): Logger {
  return pino({
    level,
    base: { app, instance },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}

/** Adapts pino to Nest's LoggerService so framework messages are JSON lines too. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}
