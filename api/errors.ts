// One error shape for every failure: RFC 9457 problem details with a stable `type`. The `title` and `detail` a
// person reads are rendered from the message catalogue (i18n/) in the request's language when the answer is sent.
import { DEFAULT_LANGUAGE, isMessageKey, msg, render, t, type Language, type Message, type MessageKey, type Params } from '../i18n';

export interface FieldError {
  field: string; // JSON pointer into the request, e.g. /body/budgetLines/0/amountFen
  rule: string; // the schema keyword or business rule that failed
  message: string; // English; replaced by the rendered `key` when there is one
  key?: MessageKey;
  params?: Params;
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

/** The nouns a 404 can name (`noun.<name>` in the catalogue). */
export type Noun = MessageKey extends infer K ? (K extends `noun.${infer N}` ? N : never) : never;

/** A field error's message in `lang`: its key rendered when it has one, else the text it carries. */
export function fieldErrorIn(lang: Language, e: FieldError): FieldError {
  const { key, params, ...rest } = e;
  return key && isMessageKey(key) ? { ...rest, message: t(lang, key, params) } : rest;
}

/** A field error's text as a catalogue message: `message` holds the English until the answer renders `key` in its language. */
export function says(key: MessageKey, params?: Params): Pick<FieldError, 'message' | 'key' | 'params'> {
  return { message: t('en', key, params), key, ...(params ? { params } : {}) };
}

function listOf(lang: Language, errors: FieldError[]): string {
  return errors.map((e) => t(lang, 'problem.field-error', { field: e.field, message: fieldErrorIn(lang, e).message })).join(t(lang, 'list.separator'));
}

export class HttpError extends Error {
  /** The detail as a catalogue message (rendered per request), or a plain text for internal diagnostics. */
  readonly detail: Message | string;

  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    detail?: Message | string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(typeof detail === 'object' ? render('en', detail) : (detail ?? title));
    this.detail = detail ?? title;
  }

  /** Extra response headers (Retry-After, Idempotent-Replayed). */
  headers: Record<string, string> = {};

  /** Rebuilds an error from what `toStored` kept, so a replay answers in the replaying request's language. */
  static fromProblem(p: Problem, headers: Record<string, string> = {}): HttpError {
    const { type, title, status, detail, instance: _instance, detailMessage, ...extensions } = p;
    const message = detailMessage as Message | undefined;
    const keyed = message && isMessageKey(message.key) ? message : undefined;
    const { errors, ...rest } = extensions as { errors?: FieldError[] };
    const err =
      errors && status === 422 ? new BusinessRuleError(errors, keyed, rest)
      : errors && status === 400 ? new ValidationError(errors)
      : new HttpError(status, type.slice(TYPE_BASE.length), title, keyed ?? detail, extensions);
    err.headers = headers;
    return err;
  }

  protected renderDetail(lang: Language): string {
    return typeof this.detail === 'string' ? this.detail : render(lang, this.detail);
  }

  /** The problem as sent, in `lang` (Chinese unless the request prefers English). */
  toProblem(instance?: string, lang: Language = DEFAULT_LANGUAGE): Problem {
    const titleKey = `problem.${this.slug}.title`;
    const { errors, ...extensions } = this.extensions as { errors?: FieldError[] };
    return {
      type: TYPE_BASE + this.slug,
      title: isMessageKey(titleKey) ? t(lang, titleKey) : this.title,
      status: this.status,
      detail: this.renderDetail(lang),
      ...(instance ? { instance } : {}),
      ...extensions,
      ...(errors ? { errors: errors.map((e) => fieldErrorIn(lang, e)) } : {}),
    };
  }

  /** What the idempotency record keeps: the problem with its keys, to be rendered again on a replay. */
  toStored(): Problem {
    return { ...this.toProblem(), ...(typeof this.detail === 'object' ? { detailMessage: this.detail } : {}), ...this.extensions };
  }
}

/**
 * A detail that lists the field errors, each rendered in the request's language. A `lead` message replaces the list
 * unless it places it itself (its text has `{{list}}`).
 */
class ListingError extends HttpError {
  constructor(status: number, slug: string, title: string, readonly lead: Message | undefined, readonly fieldErrors: FieldError[], extensions: Record<string, unknown>) {
    super(status, slug, title, lead ?? msg('problem.field-errors'), { errors: fieldErrors, ...extensions });
    // The English text for logs and for callers that read `message`.
    this.message = this.renderDetail('en');
  }

  protected override renderDetail(lang: Language): string {
    const m = this.detail as Message;
    return t(lang, m.key, { ...m.params, list: listOf(lang, this.fieldErrors) });
  }
}

export class ValidationError extends ListingError {
  constructor(errors: FieldError[]) {
    super(400, 'validation', 'Invalid request', msg('problem.validation.detail'), errors, {});
  }
}

export class MalformedError extends HttpError {
  constructor(detail: Message) {
    super(400, 'malformed', 'Malformed request', detail);
  }
}

export class UnauthorizedError extends HttpError {
  constructor(detail: Message = msg('problem.unauthorized.detail')) {
    super(401, 'unauthorized', 'Unauthorized', detail);
  }
}

export class ForbiddenError extends HttpError {
  constructor(detail: Message = msg('problem.forbidden.detail')) {
    super(403, 'forbidden', 'Forbidden', detail);
  }
}

export class NotFoundError extends HttpError {
  /** `what` names the missing thing; `field` points at the request value that named it, when one did. */
  constructor(what: Noun = 'resource', field?: string) {
    super(404, 'not-found', 'Not found', field ? msg('problem.not-found.field', { what, field }) : msg('problem.not-found.detail', { what }));
  }
}

export class RouteNotFoundError extends HttpError {
  constructor(method: string, path: string) {
    super(404, 'not-found', 'Not found', msg('problem.not-found.route', { method, path }));
  }
}

export class ConflictError extends HttpError {
  constructor(detail: Message, extensions: Record<string, unknown> = {}) {
    super(409, 'conflict', 'Conflict', detail, extensions);
  }
}

/**
 * The Idempotency-Key is held by a request still running (or by a process that died running it: its claim is taken
 * over after a minute). Any keyed write may answer it; Retry-After says when to try again.
 */
export class KeyInProgressError extends ConflictError {
  constructor(retryAfterSeconds: number) {
    super(msg('problem.conflict.idempotency-in-flight'));
    this.headers = { 'Retry-After': String(retryAfterSeconds) };
  }
}

/** An illegal stage or phase move: names the current stage so the caller can recover. */
export class IllegalMoveError extends HttpError {
  constructor(currentStage: string, move: string, detail?: Message) {
    super(409, 'illegal-move', 'Illegal stage move', detail ?? msg('problem.illegal-move.detail', { move, current: currentStage }), {
      currentStage,
      move,
    });
  }
}

export class PayloadTooLargeError extends HttpError {
  constructor(limit: number) {
    super(413, 'payload-too-large', 'Payload too large', msg('problem.payload-too-large.detail', { limit }));
  }
}

export class UnsupportedMediaTypeError extends HttpError {
  constructor(got: string | undefined) {
    super(415, 'unsupported-media-type', 'Unsupported media type', got ? msg('problem.unsupported-media-type.detail', { got }) : msg('problem.unsupported-media-type.none'));
  }
}

/** A business rule the request breaks (eligibility, sums that do not add up, a pledge overdrawn...). */
export class BusinessRuleError extends ListingError {
  constructor(errors: FieldError[], detail?: Message, extensions: Record<string, unknown> = {}) {
    super(422, 'business-rule', 'Business rule violated', detail, errors, extensions);
  }
}

export class TooManyRequestsError extends HttpError {
  constructor(detail: Message, retryAfterSeconds: number) {
    super(429, 'too-many-requests', 'Too many requests', detail);
    this.headers = { 'Retry-After': String(retryAfterSeconds) };
  }
}

export class UnavailableError extends HttpError {
  constructor(detail: Message, retryAfterSeconds?: number) {
    super(503, 'unavailable', 'Service unavailable', detail);
    if (retryAfterSeconds) this.headers = { 'Retry-After': String(retryAfterSeconds) };
  }
}
