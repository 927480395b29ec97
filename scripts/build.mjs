#!/usr/bin/env node
// `npm run build`: the renderer (Vite) and the Node bundles (esbuild).
//   node scripts/build.mjs                  everything
//   node scripts/build.mjs --main-only      Electron main + preload + CLI
//   node scripts/build.mjs --renderer-only  dist/renderer only
// Output:
//   dist/renderer/                       served on app://csm by the Electron host, and by the web host
//   dist/main/main.cjs, preload.cjs      Electron entry ("main" in package.json) and sandboxed preload
//   dist/cli/csm.cjs                     the CLI as one file
import { chmodSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
const report = (file) => console.log(`  ${relative(root, file).padEnd(44)} ${kib(statSync(file).size).padStart(10)}`);

/**
 * Never bundled: Electron itself, native addons (rebuilt for Electron's ABI by electron-builder,
 * unpacked from the asar) and the Cassandra driver (optional native compression deps).
 * Any dependency that ships a binding.gyp is treated as native too.
 */
function externals() {
  const fixed = ['electron', 'better-sqlite3', 'keytar', 'cassandra-driver'];
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const native = Object.keys(pkg.dependencies ?? {}).filter((dep) => existsSync(join(root, 'node_modules', dep, 'binding.gyp')));
  return [...new Set([...fixed, ...native])];
}

async function buildRenderer() {
  const config = join(root, 'src-renderer', 'vite.config.ts');
  if (!existsSync(config)) {
    console.log('renderer: skipped, src-renderer/vite.config.ts does not exist yet');
    return;
  }
  console.log('renderer: vite build --config src-renderer/vite.config.ts');
  const vite = await import('vite');
  await vite.build({ configFile: config, logLevel: 'warn' });
  const index = join(root, 'dist', 'renderer', 'index.html');
  if (!existsSync(index)) throw new Error('renderer build produced no dist/renderer/index.html');
  const out = join(root, 'dist', 'renderer');
  for (const entry of readdirSync(out, { recursive: true })) {
    const file = join(out, String(entry));
    if (statSync(file).isFile()) report(file);
  }
}

/**
 * The preload needs the contract's channel and event *names*, not its zod schemas (zod alone
 * would be ~450 KiB in every window). This plugin evaluates the contract at build time and
 * hands the preload a generated module with the same `isChannelName`/`isEventName`, so the
 * contract stays the single source of truth and the preload stays a few KiB.
 */
export async function contractNamesPlugin() {
  const contractDir = join(root, 'src-shared', 'contract');
  const evaluated = await build({
    entryPoints: [join(contractDir, 'index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    logLevel: 'silent',
    absWorkingDir: root,
  });
  const text = evaluated.outputFiles[0].text;
  const mod = await import(`data:text/javascript;base64,${Buffer.from(text).toString('base64')}`);
  const channels = Object.keys(mod.contract);
  const events = Object.keys(mod.events);
  const contents = [
    `const CHANNELS = new Set(${JSON.stringify(channels)});`,
    `const EVENTS = new Set(${JSON.stringify(events)});`,
    `export function isChannelName(name) { return typeof name === 'string' && CHANNELS.has(name); }`,
    `export function isEventName(name) { return typeof name === 'string' && EVENTS.has(name); }`,
  ].join('\n');
  return {
    name: 'csm-contract-names',
    setup(b) {
      b.onResolve({ filter: /src-shared\/contract(\/index)?$/ }, (args) => {
        const target = resolve(args.resolveDir, args.path);
        if (target === contractDir || target === join(contractDir, 'index')) return { path: contractDir, namespace: 'csm-contract-names' };
        return undefined;
      });
      b.onLoad({ filter: /.*/, namespace: 'csm-contract-names' }, () => ({ contents, loader: 'js' }));
    },
  };
}

const NODE_BUNDLE = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  // serve.ts falls back to import.meta.url only when __dirname is missing, which in CJS it never is.
  logOverride: { 'empty-import-meta': 'silent' },
  absWorkingDir: root,
};

/**
 * The sandboxed preload. A sandboxed preload may require only 'electron' (and a few polyfilled
 * built-ins), so everything else is bundled in. `write: false` returns the code (for tests).
 */
export async function bundlePreload({ write = true } = {}) {
  const result = await build({
    ...NODE_BUNDLE,
    entryPoints: [join(root, 'src-main/electron/preload.ts')],
    outfile: join(root, 'dist/main/preload.cjs'),
    external: ['electron'],
    minify: true,
    plugins: [await contractNamesPlugin()],
    write,
  });
  return write ? null : result.outputFiles[0].text;
}

async function buildMain() {
  const external = externals();
  const bundles = [
    { label: 'electron main', entry: 'src-main/electron/main.ts', out: 'dist/main/main.cjs' },
    { label: 'cli', entry: 'src-main/cli/main.ts', out: 'dist/cli/csm.cjs', banner: { js: '#!/usr/bin/env node' }, optional: true },
  ];
  for (const b of bundles) {
    if (!existsSync(join(root, b.entry))) {
      if (b.optional) {
        console.log(`${b.label}: skipped, ${b.entry} does not exist`);
        continue;
      }
      throw new Error(`${b.entry} is missing`);
    }
    console.log(`${b.label}: esbuild ${b.entry}`);
    await build({
      ...NODE_BUNDLE,
      entryPoints: [join(root, b.entry)],
      outfile: join(root, b.out),
      external,
      ...(b.banner ? { banner: b.banner } : {}),
    });
    if (b.banner) chmodSync(join(root, b.out), 0o755);
    report(join(root, b.out));
    if (b.label === 'electron main') {
      console.log('preload: esbuild src-main/electron/preload.ts (contract names only)');
      await bundlePreload();
      report(join(root, 'dist/main/preload.cjs'));
    }
  }
  console.log(`  external: ${external.join(', ')}`);
}

async function cli(argv) {
  const args = new Set(argv);
  for (const a of args) {
    if (a !== '--main-only' && a !== '--renderer-only') {
      console.error(`build: unknown option ${a} (use --main-only or --renderer-only)`);
      return 2;
    }
  }
  if (args.has('--main-only') && args.has('--renderer-only')) {
    console.error('build: --main-only and --renderer-only exclude each other');
    return 2;
  }
  try {
    if (!args.has('--main-only')) await buildRenderer();
    if (!args.has('--renderer-only')) await buildMain();
    return 0;
  } catch (err) {
    console.error(`build failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

// Importable (tests bundle the preload through `bundlePreload`); runs only as a script.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await cli(process.argv.slice(2));
}
