import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError, setCsrfToken, unwrap, whenUnauthorized } from './api/client';
import type { Me, Session } from './api/types';

interface SessionState {
  /** undefined while the first check runs; null when signed out. */
  me: Me | null | undefined;
  signIn: (login: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children, onChange }: { children: ReactNode; onChange: () => void }) {
  const [me, setMe] = useState<Me | null | undefined>(undefined);

  const adopt = useCallback(
    (session: (Me & { csrfToken: string }) | null) => {
      setCsrfToken(session?.csrfToken ?? null);
      setMe(session);
      onChange();
    },
    [onChange],
  );

  useEffect(() => {
    whenUnauthorized(() => adopt(null));
    // The session cookie is HttpOnly; a marker cookie beside it says whether there is one worth asking about.
    if (!document.cookie.split('; ').includes('fuhua_signed_in=1')) adopt(null);
    else unwrap<Session>(api.GET('/api/v1/auth/session')).then(adopt, () => adopt(null));
  }, [adopt]);

  const signIn = useCallback(
    async (login: string, password: string) => {
      const created = await unwrap<{ user: Me; csrfToken: string }>(api.POST('/api/v1/auth/session', { body: { login, password } }));
      setCsrfToken(created.csrfToken);
      const session = await unwrap<Session>(api.GET('/api/v1/auth/session'));
      adopt(session);
    },
    [adopt],
  );

  const signOut = useCallback(async () => {
    try {
      await unwrap(api.DELETE('/api/v1/auth/session'));
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
