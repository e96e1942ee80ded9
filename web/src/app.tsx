import { lazy, Suspense, useCallback, useState } from 'react';
import { App as AntApp, ConfigProvider, Spin } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { SessionProvider, useSession } from './session';
import { SignInPage } from './pages/sign-in';
import { queryClient } from './query-client';
import { bootSession } from './boot';
import { lazyPage } from './lib/lazy';

dayjs.locale('zh-cn');

// Each area is its own chunk: the sign-in page loads none of them.
const Shell = lazyPage('shell', () => import('./shell'));
const RegisterPage = lazy(() => import('./pages/residents').then((m) => ({ default: m.RegisterPage })));

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
        <Route
          path="/register"
          element={
            <Suspense fallback={<Loading />}>
              <RegisterPage />
            </Suspense>
          }
        />
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
    <ConfigProvider locale={zhCN} theme={{ zeroRuntime: true, token: { colorPrimary: '#c0392b', borderRadius: 6 } }}>
      <AntApp>
        <QueryClientProvider client={queryClient}>
          <BrowserRouter>
            <SessionProvider first={bootSession} onChange={onSessionChange}>
              <Gate />
            </SessionProvider>
          </BrowserRouter>
        </QueryClientProvider>
      </AntApp>
    </ConfigProvider>
  );
}
