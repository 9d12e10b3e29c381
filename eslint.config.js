// @ts-check
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * The floors of the house, lowest first: each may import itself and the floors it
 * lists, nothing else (`cli` may import everything, nothing imports `cli`). Data
 * flows one way: model <- extract <- resolve <- capture <- targets <- record <-
 * pipeline (export, serve) <- workers <- cli. A file of src/ in no floor may be
 * imported only by workers/ and cli/: give a new file or folder its floor here.
 * Paths are relative to the project root.
 */
/** Every floor of src/ below the pipeline: what the pipeline, export and serve may all import. */
const BELOW_PIPELINE = [
  'model',
  'util',
  'net',
  'config',
  'ports',
  'source',
  'extract',
  'resolve',
  'capture',
  'targets',
  'record',
  'warcstore',
  'store-pg',
];

const FLOORS = {
  // The record's types, ids, post URLs and every error class.
  model: { paths: ['src/model', 'src/errors.ts'], may: [] },
  // Small helpers with no stage of their own.
  util: {
    paths: [
      'src/url.ts',
      'src/html.ts',
      'src/duration.ts',
      'src/version.ts',
      'src/bounded-read.ts',
      'src/forget-oldest.ts',
    ],
    may: ['model'],
  },
  net: { paths: ['src/net'], may: ['model', 'util'] },
  extract: { paths: ['src/extract'], may: ['model', 'util'] },
  config: { paths: ['src/config.ts'], may: ['model', 'util', 'net'] },
  ports: { paths: ['src/ports.ts'], may: ['model', 'net'] },
  // Reading a document; the size cap's default is the configuration's.
  source: { paths: ['src/source.ts'], may: ['model', 'util', 'extract', 'config'] },
  resolve: { paths: ['src/resolve'], may: ['model', 'util', 'net', 'ports', 'extract'] },
  capture: { paths: ['src/capture'], may: ['model', 'util', 'net', 'ports', 'extract', 'resolve'] },
  targets: {
    paths: ['src/targets'],
    may: ['model', 'util', 'net', 'ports', 'extract', 'source', 'resolve', 'capture'],
  },
  // The document record and the data dir's store behind the Store port.
  record: { paths: ['src/record'], may: ['model', 'util', 'net', 'ports', 'extract', 'resolve', 'capture', 'targets'] },
  // The WARC stores behind the WarcStore port: a folder, S3 (section 12).
  warcstore: { paths: ['src/warc-store'], may: ['model', 'util', 'config', 'ports'] },
  // The Store port in PostgreSQL (CITESNAP_DATABASE_URL): its tables, lease claims, migrations and import.
  'store-pg': {
    paths: ['src/store-pg'],
    may: ['model', 'util', 'net', 'ports', 'extract', 'resolve', 'capture', 'targets', 'record'],
  },
  pipeline: { paths: ['src/pipeline'], may: BELOW_PIPELINE },
  // WARC export and the read-only web server: above the pipeline, below the shells; serve may use export.
  export: {
    paths: ['src/export'],
    may: [...BELOW_PIPELINE, 'pipeline'],
  },
  serve: {
    paths: ['src/serve'],
    may: [...BELOW_PIPELINE, 'pipeline', 'export'],
  },
  // BullMQ shells over the pipeline: everything in src/, never cli/.
  workers: { paths: ['workers'], may: ['src'] },
};

/** import-x/no-restricted-paths zones: for each floor, every path of src/, workers/ and cli/ it may not import. */
function layeringZones() {
  const zones = [];
  for (const [name, floor] of Object.entries(FLOORS)) {
    const allowed = new Set(
      [name, ...floor.may].flatMap((other) =>
        other === 'src' ? ['src'] : FLOORS[/** @type {keyof typeof FLOORS} */ (other)].paths,
      ),
    );
    const message = `the ${name} floor may import only ${[name, ...floor.may].join(', ')} (see the floors in eslint.config.js)`;
    const target = floor.paths.map((path) => `./${path}`);
    if (!allowed.has('src')) {
      zones.push({
        target,
        from: './src',
        except: [...allowed].map((path) => `./${path.replace(/^src\//, '')}`),
        message,
      });
    }
    zones.push({ target, from: name === 'workers' ? ['./cli'] : ['./workers', './cli'], message });
  }
  return zones;
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'citesnap-data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'bin/*.cjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // An unawaited promise in a worker loses errors and leaves jobs half-done.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The layering of the house, checked on every build (see FLOORS above).
    files: ['src/**/*.ts', 'workers/**/*.ts', 'cli/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: layeringZones() }],
      // A cycle makes load order matter and hides which floor a file belongs to.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // The launcher and what it requires first (bin/thread-pool.cjs says why CommonJS).
    files: ['bin/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      sourceType: 'commonjs',
      globals: { process: 'readonly', require: 'readonly', module: 'writable' },
    },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
);
