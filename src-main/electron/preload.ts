import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './preload-bridge';

// Sandboxed preload (bundled to CommonJS by scripts/build.mjs): the only thing it does.
contextBridge.exposeInMainWorld('csm', createBridge(ipcRenderer));
