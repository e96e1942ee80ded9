import en from '../../i18n/en.json';
import type { MessageKey, Params } from '../../i18n/message';

/**
 * A broken rule, reported rather than thrown so a form can show every problem at once. It carries its catalogue
 * `key` and `params`; the API renders them in the request's language. `message` holds the English text for logs and
 * for callers that never reach the API (workflow code does not render with i18next).
 */
export interface RuleViolation {
  /** JSON pointer (RFC 6901) to the offending value, e.g. `/review/criteria` or `/budgetLines/2/amountFen`. */
  field: string;
  /** Stable kebab-case id, safe for clients to switch on, e.g. `weights-sum-100`. */
  rule: string;
  /** Human-readable explanation naming what was required and what was found. */
  message: string;
  key?: MessageKey;
  params?: Params;
}

/** What scored or weighted items are called in messages (`rule.noun.<noun>` in the catalogue). */
export type ScoredNoun = 'criterion' | 'indicator' | 'supervision-dimension';

/** Builds a JSON pointer, escaping `~` and `/` inside segments as RFC 6901 requires. */
export function jsonPointer(...segments: (string | number)[]): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

const EN: Record<string, string> = en;

/**
 * The English text of a key, without i18next: `{{name}}`, `{{fen, yuan}}` and `$t(key)` (after the params are filled)
 * are all the rule messages use.
 */
export function englishText(key: MessageKey, params: Params = {}): string {
  const filled = (EN[key] ?? key).replace(/\{\{\s*(\w+)\s*(?:,\s*(\w+)\s*)?\}\}/g, (_, name: string, format?: string) => {
    const v = params[name];
    if (v === undefined) return '';
    return format === 'yuan' && typeof v === 'number' ? formatYuan(v) : String(v);
  });
  return filled.replace(/\$t\(([^)]+)\)/g, (_, k: string) => EN[k] ?? k);
}

export function violation(field: string, rule: string, key: MessageKey, params?: Params): RuleViolation {
  return { field, rule, message: englishText(key, params), key, ...(params ? { params } : {}) };
}

/** Rounds half away from zero; going through the exponent string avoids 1.005 -> 1.00 float artefacts. */
export function roundTo(x: number, decimals: number): number {
  const abs = String(Math.abs(x));
  // Tiny or huge values print in exponent form already; plain scaling is exact enough there.
  if (abs.includes('e')) return Math.round(x * 10 ** decimals) / 10 ** decimals;
  return Math.sign(x) * Number(`${Math.round(Number(`${abs}e${decimals}`))}e-${decimals}`) || 0;
}

/** Integer fen as yuan with 2 decimals and thousands separators, e.g. 20000000 -> "200,000.00 yuan". */
export function formatYuan(fen: number): string {
  const abs = Math.abs(Math.trunc(fen));
  const whole = Math.floor(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${fen < 0 ? '-' : ''}${whole}.${String(abs % 100).padStart(2, '0')} yuan`;
}

export function isNonNegativeInteger(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}
