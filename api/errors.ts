// One error shape for every failure: RFC 9457 problem details with a stable `type`.
export interface FieldError {
  field: string; // JSON pointer into the request, e.g. /body/budgetLines/0/amountFen
  rule: string; // the schema keyword or business rule that failed
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

const TYPE_BASE = 'https://fuhua.example/problems/';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    detail?: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
  }

  /** Extra response headers (Retry-After, Idempotent-Replayed). */
  headers: Record<string, string> = {};

  static fromProblem(p: Problem, headers: Record<string, string> = {}): HttpError {
    const { type, title, status, detail, instance: _instance, ...extensions } = p;
    const err = new HttpError(status, type.slice(TYPE_BASE.length), title, detail, extensions);
    err.headers = headers;
    return err;
  }

  toProblem(instance?: string): Problem {
    return {
      type: TYPE_BASE + this.slug,
      title: this.title,
      status: this.status,
      detail: this.message,
      ...(instance ? { instance } : {}),
      ...this.extensions,
    };
  }
}

export class ValidationError extends HttpError {
  constructor(errors: FieldError[], detail = 'The request is invalid.') {
    super(400, 'validation', 'Invalid request', `${detail} ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, { errors });
  }
}

export class MalformedError extends HttpError {
  constructor(detail: string) {
    super(400, 'malformed', 'Malformed request', detail);
  }
}

export class UnauthorizedError extends HttpError {
  constructor(detail = 'A valid bearer token is required.') {
    super(401, 'unauthorized', 'Unauthorized', detail);
  }
}

export class ForbiddenError extends HttpError {
  constructor(detail = 'Your role may not do this.') {
    super(403, 'forbidden', 'Forbidden', detail);
  }
}

export class NotFoundError extends HttpError {
  constructor(what = 'resource') {
    super(404, 'not-found', 'Not found', `No such ${what}.`);
  }
}

export class ConflictError extends HttpError {
  constructor(detail: string, extensions: Record<string, unknown> = {}) {
    super(409, 'conflict', 'Conflict', detail, extensions);
  }
}

/**
 * The Idempotency-Key is held by a request still running (or by a process that died running it: its claim is taken
 * over after a minute). Any keyed write may answer it; Retry-After says when to try again.
 */
export class KeyInProgressError extends ConflictError {
  constructor(retryAfterSeconds: number) {
    super('A request with this Idempotency-Key is still being processed; retry shortly.');
    this.headers = { 'Retry-After': String(retryAfterSeconds) };
  }
}

/** An illegal stage or phase move: names the current stage so the caller can recover. */
export class IllegalMoveError extends HttpError {
  constructor(currentStage: string, move: string, detail?: string) {
    super(409, 'illegal-move', 'Illegal stage move', detail ?? `"${move}" is not allowed while the current stage is "${currentStage}".`, {
      currentStage,
      move,
    });
  }
}

export class PayloadTooLargeError extends HttpError {
  constructor(limit: number) {
    super(413, 'payload-too-large', 'Payload too large', `The body exceeds the limit of ${limit} bytes.`);
  }
}

export class UnsupportedMediaTypeError extends HttpError {
  constructor(got: string | undefined) {
    super(415, 'unsupported-media-type', 'Unsupported media type', `Send the body as application/json (got ${got ?? 'no content type'}).`);
  }
}

/** A business rule the request breaks (eligibility, sums that do not add up, a pledge overdrawn...). */
export class BusinessRuleError extends HttpError {
  constructor(errors: FieldError[], detail?: string, extensions: Record<string, unknown> = {}) {
    super(422, 'business-rule', 'Business rule violated', detail ?? errors.map((e) => `${e.field}: ${e.message}`).join('; '), {
      errors,
      ...extensions,
    });
  }
}

export class TooManyRequestsError extends HttpError {
  constructor(detail: string, retryAfterSeconds: number) {
    super(429, 'too-many-requests', 'Too many requests', detail);
    this.headers = { 'Retry-After': String(retryAfterSeconds) };
  }
}

export class UnavailableError extends HttpError {
  constructor(detail: string, retryAfterSeconds?: number) {
    super(503, 'unavailable', 'Service unavailable', detail);
    if (retryAfterSeconds) this.headers = { 'Retry-After': String(retryAfterSeconds) };
  }
}
