/** Isolation verification (issue 6): channels and events. */
export const isolationChannels = {};
export const isolationEvents = {};
