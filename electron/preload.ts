// Preload: the only bridge into the sandboxed renderer. Exposes window.vfleet (DesktopApi, built by
// shell/desktopApiClient.ts) and nothing else; its messages travel on one IPC channel each way.
import { contextBridge, ipcRenderer } from 'electron';
import { z } from 'zod';
import { DESKTOP_BRIDGE_CHANNEL, DESKTOP_NAVIGATE_CHANNEL } from '../shared/api/desktopApi';
import { createDesktopApi } from './shell/desktopApiClient';

// The page's CSP forbids eval, here too: zod's compiled parsers would probe `new Function` (a logged violation).
z.config({ jitless: true });

const api = createDesktopApi({
  send: (raw) => ipcRenderer.send(DESKTOP_BRIDGE_CHANNEL, raw),
  onMessage: (listener) => { ipcRenderer.on(DESKTOP_BRIDGE_CHANNEL, (_event, raw: string) => listener(raw)); },
  onNavigate: (listener) => { ipcRenderer.on(DESKTOP_NAVIGATE_CHANNEL, (_event, route: string) => listener(route)); },
}, (line) => console.warn(line));

contextBridge.exposeInMainWorld('vfleet', api);
