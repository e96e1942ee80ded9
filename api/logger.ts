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
  /** The pino logger underneath. */
  readonly pino: pino.Logger;
  /**
   * The request log's writer: the same destination, bindings and line format, without the redaction pass, which
   * walks every line for the secret paths; the request line's fields are fixed (id, method, path, status, route, time)
   * and none is one of them. Every level is enabled on it: ask `pino` whether a line is wanted.
   */
  readonly requests: pino.Logger;
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

/**
 * Lines are written to stdout in batches: when 4 KiB are waiting or every 100 ms, whichever comes first (and at
 * once on exit, by pino's exit handler, or on flush()). A write a line cost a busy API a write(2) and two thread
 * switches per request, about a third of a `GET /me` (measured on the bench stack).
 */
const BATCH_BYTES = 4096;
const BATCH_MS = 100;

/** pino's isoTime, the same text, made once a millisecond: a busy API writes several lines in one. */
let lastMs = -1;
let lastTime = '';
function isoTime(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

/**
 * `output`: where the lines go. By default stdout, in batches; a file descriptor, the same way (the benchmark's stack
 * logs to a file as `fuhua start` logs to stdout); a function, each line as it is made (the tests read them).
 */
export function createLogger(level: LogLevel = 'info', bindings: Record<string, unknown> = {}, output: number | ((line: string) => void) = 1): Logger {
  const destination =
    typeof output === 'function'
      ? { write: (line: string) => output(line.endsWith('\n') ? line.slice(0, -1) : line) }
      : pino.destination({ dest: output, sync: false, minLength: BATCH_BYTES, periodicFlush: BATCH_MS });
  const options: pino.LoggerOptions = { level, base: undefined, timestamp: isoTime, formatters: { level: (label) => ({ level: label }) } };
  const root = pino({ ...options, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
  const requests = pino({ ...options, level: 'trace' }, destination);
  const bound = Object.keys(bindings).length > 0;
  return wrap(bound ? root.child(bindings) : root, () => (bound ? requests.child(bindings) : requests));
}

function wrap(p: pino.Logger, requestsOf: () => pino.Logger): Logger {
  let requests: pino.Logger | undefined;
  const emit = (lvl: 'debug' | 'info' | 'warn' | 'error') => (msg: string, fields?: Record<string, unknown>) => {
    if (fields) p[lvl](fields, msg);
    else p[lvl](msg);
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (more) => wrap(p.child(more), () => (requests ??= requestsOf()).child(more)),
    pino: p,
    get requests() {
      return (requests ??= requestsOf());
    },
    flush: () => p.flush(),
  };
}
