import { useEffect, useState } from 'react';

/** The search delay of every picker that asks the server as one types: one request when the typing pauses, not one a key. */
export const SEARCH_DEBOUNCE_MS = 300;

/** `value` once it has stayed the same for `ms`; until then, the value it settled on before. */
export function useDebounced<T>(value: T, ms = SEARCH_DEBOUNCE_MS): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}
