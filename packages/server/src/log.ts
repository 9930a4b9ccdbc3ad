import { pino, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';

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

/**
 * LOG_FORMAT: `json` (one object a line, for collectors), `pretty` (coloured, one readable line
 * per entry, for a person), or `auto`: pretty when stdout is a terminal, JSON otherwise.
 */
export type LogFormat = 'auto' | 'json' | 'pretty';

export function createProcessLogger(
  level: string,
  format: LogFormat,
  stdout: NodeJS.WriteStream = process.stdout,
): Logger {
  const pretty = format === 'pretty' || (format === 'auto' && stdout.isTTY);
  if (!pretty) return createLogger(level);
  // In this thread and synchronous: a line is on the terminal before a crash can lose it.
  return createLogger(
    level,
    PinoPretty({ colorize: stdout.isTTY, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }),
  );
}
