/**
 * A text not yet rendered: a catalogue key and its params. Pure (no i18next, no catalogue at run time), so workflow
 * code can carry messages without rendering them.
 */
import type zh from './zh.json';

export type MessageKey = keyof typeof zh;
export type Params = Record<string, string | number>;
export interface Message {
  key: MessageKey;
  params?: Params;
}

export function msg(key: MessageKey, params?: Params): Message {
  return params ? { key, params } : { key };
}
