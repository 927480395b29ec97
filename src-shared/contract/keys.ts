/** Per-tenant keys (issue 4): channels and events. */
export const keyChannels = {};
export const keyEvents = {};
