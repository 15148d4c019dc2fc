// Vite builds the UI into ../build/ui (index.html + hashed assets/), which `sextant server
// --ui-dir build/ui` serves at "/". `npm run dev` serves it with hot reload and proxies the API
// to a running server (SEXTANT_SERVER, default http://127.0.0.1:9528).
import { defineConfig } from 'vite';

const server = process.env.SEXTANT_SERVER ?? 'http://127.0.0.1:9528';

export default defineConfig({
  base: '/',
  build: {
    outDir: '../build/ui',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
    sourcemap: false,
  },
  server: {
    proxy: { '/v1': server, '/api': server },
  },
});
