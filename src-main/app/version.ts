import pkg from '../../package.json' with { type: 'json' };

export const CONSOLE_VERSION: string = pkg.version;
