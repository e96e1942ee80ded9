// Structured JSON logs through pino: one object a line, written asynchronously (a busy API does not wait on stdout),
// personal and secret fields redacted wherever they appear. `child` binds fields such as the request id.
import pino from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
  /** The pino logger underneath (the request log writes through it in one call). */
  readonly pino: pino.Logger;
  /** Writes out what is buffered; call before the process exits. */
  flush(): void;
}

/** Fields never written as they are: credentials, and residents' and volunteers' personal information. */
const SECRET_KEYS = ['password', 'newPassword', 'currentPassword', 'token', 'authorization', 'cookie', 'phone', 'idNumber', 'address', 'contact'];
export const REDACTED_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
];

export function createLogger(level: LogLevel = 'info', bindings: Record<string, unknown> = {}, write?: (line: string) => void): Logger {
  const destination = write ? { write: (line: string) => write(line.endsWith('\n') ? line.slice(0, -1) : line) } : pino.destination({ dest: 1, sync: false });
  const root = pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination,
  );
  return wrap(Object.keys(bindings).length ? root.child(bindings) : root);
}

function wrap(p: pino.Logger): Logger {
  const emit = (lvl: 'debug' | 'info' | 'warn' | 'error') => (msg: string, fields?: Record<string, unknown>) => {
    if (fields) p[lvl](fields, msg);
    else p[lvl](msg);
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (more) => wrap(p.child(more)),
    pino: p,
    flush: () => p.flush(),
  };
}
