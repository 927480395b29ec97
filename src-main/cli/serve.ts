import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createServices, defaultDataDir } from '../app/services';
import { startWebHost } from '../web/server';

function defaultStaticDir(): string {
  // src-main/cli → repo root; dist/cli → repo root as well.
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
  return resolve(here, '..', '..', 'dist', 'renderer');
}

/** `csm serve`: the console on 127.0.0.1 for a browser. Runs until SIGINT/SIGTERM. */
export async function runServe(args: string[]): Promise<number> {
  let values: { port?: string; 'data-dir'?: string; 'static-dir'?: string; json?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: { port: { type: 'string' }, 'data-dir': { type: 'string' }, 'static-dir': { type: 'string' }, json: { type: 'boolean' } },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`csm serve: ${(err as Error).message}\nusage: csm serve [--port N] [--data-dir DIR] [--json]\n`);
    return 2;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write('csm serve: --port must be 0..65535\n');
    return 2;
  }
  const staticDir = values['static-dir'] ?? defaultStaticDir();
  if (!existsSync(join(staticDir, 'index.html'))) {
    process.stderr.write(`csm serve: no built renderer in ${staticDir}; run "npm run build" first\n`);
    return 1;
  }
  const dataDir = values['data-dir'] ?? process.env['CSM_DATA_DIR'] ?? defaultDataDir();
  const services = await createServices({ host: 'web', dataDir });
  const host = await startWebHost({ router: services.router, bus: services.bus, logger: services.logger, staticDir, port });
  if (values.json) process.stdout.write(JSON.stringify({ url: host.url, origin: host.origin, port: host.port, dataDir }) + '\n');
  else {
    process.stdout.write(`Cassandra Security Manager is serving on ${host.origin} (127.0.0.1 only).\n`);
    process.stdout.write(`Open this one-time sign-in link in your browser:\n  ${host.url}\n`);
  }
  await new Promise<void>((done) => {
    const stop = (): void => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await host.close();
  await services.close();
  return 0;
}
