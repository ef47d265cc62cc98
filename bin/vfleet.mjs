#!/usr/bin/env node
// The installed `vfleet` command: runs the CLI bundled by `npm run build:main`.
import { createRequire } from 'node:module';

createRequire(import.meta.url)('../dist/cli/vfleet.cjs');
