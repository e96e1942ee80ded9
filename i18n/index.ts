/**
 * Every text a person reads comes from here: one catalogue per language (`zh.json` first, `en.json` second) with
 * stable keys, rendered by i18next. Code carries a key and its params (`Message`) as far as it can, and the text is
 * rendered at the edge (an HTTP answer in the request's language, a CSV download, the docs page). Workflows carry
 * keys and params only (`import type`), never render.
 */
import i18next from 'i18next';
import zh from './zh.json';
import en from './en.json';

import type { Message, MessageKey, Params } from './message';

export { msg, type Message, type MessageKey, type Params } from './message';

/** The languages there are catalogues for; the first is the default. */
export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'zh-CN';

export const CATALOGUES: Record<Language, Record<string, string>> = { 'zh-CN': zh, en };

const instance = i18next.createInstance();
void instance.init({
  resources: { 'zh-CN': { translation: zh }, en: { translation: en } },
  lng: DEFAULT_LANGUAGE,
  fallbackLng: DEFAULT_LANGUAGE,
  supportedLngs: [...LANGUAGES],
  // Keys are flat strings with dots in them ("problem.not-found.title"), not paths into nested objects.
  keySeparator: false,
  nsSeparator: false,
  // The texts go into JSON and CSV, not HTML: nothing to escape here.
  interpolation: { escapeValue: false },
  initAsync: false,
  returnNull: false,
});

/** The zone times are shown in when a text names no programme's zone: times are stored in UTC. */
export const DISPLAY_TIME_ZONE = 'Asia/Shanghai';

const WHEN = new Map<string, Intl.DateTimeFormat>();

/** How `when` writes an instant in `lang` and `zone`: English names the offset; Chinese too, unless it is Beijing time. */
function whenFormat(lang: Language, zone: string): Intl.DateTimeFormat {
  const key = `${lang} ${zone}`;
  let f = WHEN.get(key);
  if (!f) {
    f = lang === 'en'
      ? new Intl.DateTimeFormat('en-GB', { timeZone: zone, year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' })
      : zone === DISPLAY_TIME_ZONE
        ? new Intl.DateTimeFormat('zh-CN', { timeZone: zone, dateStyle: 'long', timeStyle: 'short', hourCycle: 'h23' })
        : new Intl.DateTimeFormat('zh-CN', { timeZone: zone, year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' });
    WHEN.set(key, f);
  }
  return f;
}

/**
 * `{{at, when}}`: an ISO instant as a date and time in the programme's zone (the message's `timeZone` param, an IANA
 * name; Asia/Shanghai when it has none or one the engine does not know); anything else as it is.
 */
instance.services.formatter?.add('when', (value: unknown, lng: string | undefined, options?: { timeZone?: unknown }) => {
  const ms = typeof value === 'string' || value instanceof Date ? new Date(value).getTime() : NaN;
  if (Number.isNaN(ms)) return String(value);
  const lang: Language = lng === 'en' ? 'en' : DEFAULT_LANGUAGE;
  const asked = typeof options?.timeZone === 'string' ? options.timeZone : DISPLAY_TIME_ZONE;
  let format: Intl.DateTimeFormat;
  try {
    format = whenFormat(lang, asked);
  } catch {
    format = whenFormat(lang, DISPLAY_TIME_ZONE);
  }
  return format.format(ms);
});

/** Integer fen as yuan with 2 decimals and thousands separators. */
function yuanOf(fen: number): string {
  const abs = Math.abs(Math.trunc(fen));
  const whole = Math.floor(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${fen < 0 ? '-' : ''}${whole}.${String(abs % 100).padStart(2, '0')}`;
}

/** `{{fen, yuan}}`: an amount in fen as "200,000.00 元" (Chinese) or "200,000.00 yuan" (English). */
instance.services.formatter?.add('yuan', (value: unknown, lng: string | undefined) => {
  const fen = Number(value);
  if (!Number.isFinite(fen)) return String(value);
  return lng === 'en' ? `${yuanOf(fen)} yuan` : `${yuanOf(fen)} 元`;
});

export function isMessageKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(zh, key);
}

/** The text of `key` in `lang`, params filled in. */
export function t(lang: Language, key: MessageKey, params?: Params): string {
  return instance.t(key, { ...params, lng: lang });
}

export function render(lang: Language, message: Message): string {
  return t(lang, message.key, message.params);
}

/** Accept-Language values already negotiated: clients send few distinct ones, and negotiating costs a parse a request. */
const negotiated = new Map<string, Language>();
const NEGOTIATED_MAX = 500;

/** The language of a request: what `Accept-Language` prefers among ours, Chinese when it prefers none of them. */
export function languageOf(req: { headers: { 'accept-language'?: string }; acceptsLanguages(...langs: string[]): string | false }): Language {
  const header = req.headers['accept-language'];
  // No header accepts every language: the first of ours, Chinese.
  if (header === undefined) return DEFAULT_LANGUAGE;
  let lang = negotiated.get(header);
  if (lang === undefined) {
    lang = req.acceptsLanguages(...LANGUAGES) === 'en' ? 'en' : DEFAULT_LANGUAGE;
    if (negotiated.size >= NEGOTIATED_MAX) negotiated.clear();
    negotiated.set(header, lang);
  }
  return lang;
}
