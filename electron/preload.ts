// Preload: exposes the typed vfleet API to the sandboxed renderer (filled in with the UI shell).
import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('vfleetDesktop', { platform: process.platform });
