import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The console: built into web/dist, served by the API at `/`. `npm run dev:web` proxies the API to port 3000.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    // No inline module-preload polyfill: the Content-Security-Policy allows no inline script.
    modulePreload: { polyfill: false },
    // .vite/manifest.json: the API preloads the chunks of a signed-in page's first screen from it (api/console.ts).
    manifest: true,
  },
  server: {
    port: 5173,
    proxy: { '/api': 'http://127.0.0.1:3000' },
  },
});
