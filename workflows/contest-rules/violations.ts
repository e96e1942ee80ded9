/** A broken rule, reported rather than thrown so a form can show every problem at once. */
export interface RuleViolation {
  /** JSON pointer (RFC 6901) to the offending value, e.g. `/rounds/0/criteria/1/weight`. */
  field: string;
  /** Stable kebab-case id, safe for clients to switch on. */
  rule: string;
  /** Human-readable explanation. */
  message: string;
}

/** Builds a JSON pointer, escaping `~` and `/` inside segments as RFC 6901 requires. */
export function jsonPointer(...segments: (string | number)[]): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}
