import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs. Bodies, payloads, passwords and tokens must never be logged; the redaction
 * below is a second net under that rule, not a licence to log whole requests.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    redact: {
      paths: [
        'password',
        'token',
        'body',
        'payload',
        '*.password',
        '*.token',
        '*.body',
        '*.payload',
        'req.headers.cookie',
        'req.headers.authorization',
        'res.headers["set-cookie"]',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
