import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './api/client';

/** The one cache of server state, shared by the pages and by what the console asks for while it starts (boot.ts). */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      refetchOnWindowFocus: false,
      retry: (count, err) => !(err instanceof ApiError && err.status > 0 && err.status < 500) && count < 2,
    },
  },
});
