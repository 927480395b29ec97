/** The only two Electron IPC channel names between preload and main; contract channel names travel as data. */
export const IPC_INVOKE = 'csm:invoke';
export const IPC_EVENT = 'csm:event';
