import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The app builds from the workspace sources, so `vite build` never waits on the sdk/protocol dist builds.
const src = (pkg: string) => fileURLToPath(new URL(`../${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  plugins: [react()],
  resolve: { alias: { '@parley/protocol': src('protocol'), '@parley/sdk': src('sdk') } },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    target: 'es2022',
    rolldownOptions: {
      // The protocol's modules only declare schemas and constants: marking them side-effect free
      // lets the app import a limit without bundling zod and every schema (~25 kB gzip).
      treeshake: { moduleSideEffects: (id: string) => !id.includes('/packages/protocol/src/') },
      // React and socket.io-client change far less often than the app: a release that only
      // touches the app leaves the vendor file in every browser's year-long cache.
      output: { advancedChunks: { groups: [{ name: 'vendor', test: /node_modules/ }] } },
    },
  },
  server: {
    // `npm run dev -w @parley/web` next to a running server (npm start) on port 3000.
    proxy: {
      '/api': 'http://localhost:3000',
      '/socket.io': { target: 'http://localhost:3000', ws: true },
    },
  },
});
