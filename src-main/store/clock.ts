/** Injected so tests can pin timestamps; ISO 8601 UTC strings sort the same as the instants. */
export type Clock = () => string;
export const systemClock: Clock = () => new Date().toISOString();
