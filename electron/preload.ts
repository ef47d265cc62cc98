// Preload: the only bridge into the sandboxed renderer. For now it tells the page it runs in the
// desktop app; the typed vfleet API joins it with the desktop shell.
import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('vfleetDesktop', { platform: process.platform });
