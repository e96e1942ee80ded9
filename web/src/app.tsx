import { lazy, Suspense, useCallback, useState } from 'react';
import { App as AntApp, ConfigProvider, Spin } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { SessionProvider, useSession } from './session';
import { SignInPage } from './pages/sign-in';
import { ApiError } from './api/client';

dayjs.locale('zh-cn');

// Each area is its own chunk: the sign-in page loads none of them.
const Shell = lazy(() => import('./shell'));

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      refetchOnWindowFocus: false,
      retry: (count, err) => !(err instanceof ApiError && err.status > 0 && err.status < 500) && count < 2,
    },
  },
});

function Loading() {
  return <Spin size="large" style={{ display: 'block', margin: '20vh auto' }} />;
}

function Gate() {
  const { me } = useSession();
  const location = useLocation();
  if (me === undefined) return <Loading />;
  if (me === null) {
    return (
      <Routes>
        <Route path="/signin" element={<SignInPage />} />
        <Route path="*" element={<Navigate to="/signin" replace state={{ from: location.pathname + location.search }} />} />
      </Routes>
    );
  }
  return (
    <Suspense fallback={<Loading />}>
      <Shell />
    </Suspense>
  );
}

export function App() {
  const [, setGeneration] = useState(0);
  // A new session (or none) starts from an empty cache: nothing of the last user stays on screen.
  const onSessionChange = useCallback(() => {
    queryClient.clear();
    setGeneration((g) => g + 1);
  }, []);
  return (
    <ConfigProvider locale={zhCN} theme={{ token: { colorPrimary: '#c0392b', borderRadius: 6 } }}>
      <AntApp>
        <QueryClientProvider client={queryClient}>
          <BrowserRouter>
            <SessionProvider onChange={onSessionChange}>
              <Gate />
            </SessionProvider>
          </BrowserRouter>
        </QueryClientProvider>
      </AntApp>
    </ConfigProvider>
  );
}
