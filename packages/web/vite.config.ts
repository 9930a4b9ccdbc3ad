import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/**
 * Writes `name.br` and `name.gz` beside every built text file over 1 KiB, at the highest
 * levels (once, at build time), so that the server sends them as they are by Accept-Encoding
 * (@fastify/static's preCompressed) instead of compressing on every request or not at all.
 */
function precompress(): Plugin {
  let outDir = 'dist';
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? walk(full) : [full];
    });
  return {
    name: 'parley-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      for (const file of walk(outDir)) {
        if (!/\.(js|css|html|svg|json|txt|map)$/.test(file) || statSync(file).size < 1024) continue;
        const data = readFileSync(file);
        writeFileSync(`${file}.br`, brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
        writeFileSync(`${file}.gz`, gzipSync(data, { level: 9 }));
      }
    },
  };
}

// The app builds from the workspace sources, so `vite build` never waits on the sdk/protocol dist builds.
const src = (pkg: string) => fileURLToPath(new URL(`../${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  plugins: [react(), precompress()],
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
