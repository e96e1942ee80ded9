// Texts a workflow hands over as catalogue messages, rendered in the reader's language as the answer leaves: a
// project's colour reasons (`colourReasonMessages` in its live state) become its `colourReasons`.
import { isMessageKey, render, type Language, type Message } from '../i18n';

const isMessage = (m: unknown): m is Message => typeof m === 'object' && m !== null && isMessageKey(String((m as Message).key));

function localiseView(view: unknown, lang: Language): unknown {
  if (typeof view !== 'object' || view === null || !('colourReasonMessages' in view)) return view;
  const { colourReasonMessages: messages, ...rest } = view as { colourReasonMessages?: unknown };
  return Array.isArray(messages) && messages.every(isMessage) ? { ...rest, colourReasons: messages.map((m) => render(lang, m)) } : rest;
}

/** A project's live state, alone or as a `live` member, with its colour reasons in `lang`; other bodies as they are. */
export function localiseBody(body: unknown, lang: Language): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const out = localiseView(body, lang) as Record<string, unknown>;
  return 'live' in out ? { ...out, live: localiseView(out.live, lang) } : out;
}
