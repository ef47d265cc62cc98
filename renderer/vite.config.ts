// Vite's build of the renderer into dist/renderer (served by the desktop shell's protocol and by
// browser mode, both from this machine).
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import path from 'node:path';

export default defineConfig({
  root: path.resolve(import.meta.dirname),
  base: './',
  plugins: [react()],
  build: {
    outDir: path.resolve(import.meta.dirname, '..', 'dist', 'renderer'),
    emptyOutDir: true,
    // One bundle read from disk or loopback (React, recharts, xterm.js, zod): about 1.2 MB, no network to split for.
    chunkSizeWarningLimit: 1600,
  },
});
