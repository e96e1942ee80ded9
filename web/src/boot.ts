import { answer, api } from './api/client';
import type { Session } from './api/types';
import { preloadPage } from './lib/lazy';
import { projectsPage } from './pages/library-query';
import { queryClient } from './query-client';

/**
 * What the first screen waits on, asked for as soon as the bundle runs instead of one after the other as each part
 * renders: the session check, the signed-in layout's code, the page's own code and, on the library, its first page.
 * The session cookie is HttpOnly; the marker cookie beside it says whether there is a session worth asking about.
 */
const signedIn = document.cookie.split('; ').includes('fuhua_signed_in=1');

/** The session check of the first render (null: none, or it failed; SessionProvider then shows the sign-in page). */
export const bootSession: Promise<Session | null> = signedIn ? answer(api.GET('/api/v1/auth/session')).catch(() => null) : Promise.resolve(null);

const path = window.location.pathname;

// The chunks the lazy routes load (app.tsx, shell.tsx), started now: once here, the routes render them without suspending.
if (signedIn) preloadPage('shell', () => import('./shell'));
if (signedIn && path === '/projects') {
  preloadPage('library', () => import('./pages/library'));
  // The library's first page without filters: the page finds it in the cache (same key) instead of asking after it renders.
  if (!window.location.search) void queryClient.prefetchQuery(projectsPage({}));
}
