import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { keepTabTaps } from './lib/tab-taps';
import 'antd/dist/antd.css';
import './index.css';

keepTabTaps();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
