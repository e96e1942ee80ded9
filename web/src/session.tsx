import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { answer, api, ApiError, setCsrfToken, whenUnauthorized } from './api/client';
import type { Me, Session } from './api/types';

interface SessionState {
  /** undefined while the first check runs; null when signed out. */
  me: Me | null | undefined;
  signIn: (login: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

/**
 * `first` is the session check made when the page was opened (boot.ts). `onChange` runs whenever the session changes
 * (the caller empties its cache), except when that first check finds a session: what was fetched meanwhile was
 * fetched with that very session and stays.
 */
export function SessionProvider({ children, first, onChange }: { children: ReactNode; first: Promise<Session | null>; onChange: () => void }) {
  const [me, setMe] = useState<Me | null | undefined>(undefined);

  const adopt = useCallback(
    (session: Session | null, first = false) => {
      setCsrfToken(session?.csrfToken ?? null);
      setMe(session);
      if (!(first && session)) onChange();
    },
    [onChange],
  );

  useEffect(() => {
    whenUnauthorized(() => adopt(null));
    void first.then((session) => adopt(session, true));
  }, [adopt, first]);

  const signIn = useCallback(
    async (login: string, password: string) => {
      const created = await answer(api.POST('/api/v1/auth/session', { body: { login, password } }));
      setCsrfToken(created.csrfToken);
      const session = await answer(api.GET('/api/v1/auth/session'));
      adopt(session);
    },
    [adopt],
  );

  const signOut = useCallback(async () => {
    try {
      await answer(api.DELETE('/api/v1/auth/session'));
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 401) throw err;
    }
    adopt(null);
  }, [adopt]);

  const value = useMemo(() => ({ me, signIn, signOut }), [me, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** The signed-in account (pages under the signed-in layout only). */
export function useMe(): Me {
  const { me } = useSession();
  if (!me) throw new Error('not signed in');
  return me;
}

export const hasRole = (me: Me, ...roles: string[]): boolean => me.roles.some((r) => roles.includes(r));
