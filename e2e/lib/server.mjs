// Starts an already-built souk binary for one test file: a port chosen by the OS, a fresh temporary
// data folder and, with E2E_BACKEND=postgres, a fresh PostgreSQL schema that is dropped afterwards.
// Building is not this file's job: run `cargo build -p souk` (or scripts/test) first.
//
// Environment:
//   SOUK_BIN              souk binary (default ../target/debug/souk relative to e2e/)
//   E2E_BACKEND           sqlite (default) or postgres
//   E2E_DATABASE_URL      PostgreSQL server (default postgres://postgres@127.0.0.1:5432/test)
//   E2E_START_TIMEOUT_MS  how long to wait for "Souk is running at" (default 30000, or 300000 with
//                         demo data: accounts, posts, shops and orders take about a minute to load
//                         in a debug build on two cores)

import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const E2E_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BACKEND = (process.env.E2E_BACKEND || 'sqlite').trim();
const PG_URL = process.env.E2E_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const START_TIMEOUT_MS = Number(process.env.E2E_START_TIMEOUT_MS) || 0;
const READY = /Souk is running at (http:\/\/\S+)/;
const KEEP_OUTPUT = 64 * 1024;

if (!['sqlite', 'postgres'].includes(BACKEND)) {
  throw new Error(`E2E_BACKEND must be sqlite or postgres, not ${JSON.stringify(BACKEND)}`);
}

export function soukBinary() {
  const bin = process.env.SOUK_BIN
    ? path.resolve(E2E_DIR, process.env.SOUK_BIN)
    : path.resolve(E2E_DIR, '../target/debug/souk');
  if (!existsSync(bin)) {
    throw new Error(`souk binary not found at ${bin}: build it with \`cargo build -p souk\` or set SOUK_BIN`);
  }
  return bin;
}

async function psql(sql) {
  await execFileAsync('psql', [PG_URL, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], { timeout: 30_000 });
}

/** Keeps the last KEEP_OUTPUT characters of a stream, for error messages. */
function tail(stream) {
  const box = { text: '' };
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    box.text = (box.text + chunk).slice(-KEEP_OUTPUT);
  });
  return box;
}

/**
 * Starts souk and resolves once it prints its address. `demo: true` passes `--demo` (20 accounts with
 * posts, password `souk-demo`), loaded before the address is printed, hence the longer default timeout.
 * @param {{ demo?: boolean, env?: Record<string,string>, startTimeoutMs?: number }} [options]
 * @returns {Promise<{ url: string, backend: string, dataDir: string, schema: string|null, stop: () => Promise<void>, output: () => string }>}
 */
export async function startServer({ demo = false, env = {}, startTimeoutMs } = {}) {
  const bin = soukBinary();
  const timeoutMs = startTimeoutMs || START_TIMEOUT_MS || (demo ? 300_000 : 30_000);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'souk-e2e-'));
  let schema = null;

  // A clean environment: no inherited database or SOUK_* settings may point the app elsewhere.
  const childEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k === 'DATABASE_URL' || k === 'RUST_LOG' || k.startsWith('SOUK_')) continue;
    childEnv[k] = v;
  }
  Object.assign(childEnv, {
    SOUK_LOG_LEVEL: 'warn',
    SOUK_LOG_FORMAT: 'pretty',
    // Tests sign up and log in from one address more often than a person would.
    SOUK_RATE_LIMITS__SIGNUP_PER_IP: '1000/min',
    SOUK_RATE_LIMITS__LOGIN_PER_IP: '1000/min',
    SOUK_RATE_LIMITS__LOGIN_PER_ACCOUNT: '1000/min',
  });
  if (BACKEND === 'postgres') {
    schema = `e2e_${randomBytes(6).toString('hex')}`;
    childEnv.DATABASE_URL = PG_URL;
    childEnv.SOUK_DATABASE_SCHEMA = schema;
    childEnv.SOUK_DATABASE_MAX_CONNECTIONS = '8';
  }
  Object.assign(childEnv, env);

  const args = ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir];
  if (demo) args.push('--demo');
  // cwd is the temp folder, so a souk.toml lying around the repository is never read.
  const child = spawn(bin, args, { cwd: dataDir, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout = tail(child.stdout);
  const stderr = tail(child.stderr);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const output = () => `--- souk stdout ---\n${stdout.text}\n--- souk stderr ---\n${stderr.text}`;

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
    if (schema) await psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  };

  try {
    const url = await new Promise((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(
        () => reject(new Error(`souk did not print "Souk is running at" within ${timeoutMs} ms`)),
        timeoutMs,
      );
      child.stdout.on('data', (chunk) => {
        seen += chunk;
        const m = READY.exec(seen);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`cannot start ${bin}: ${e.message}`));
      });
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`souk exited before it was ready (code ${code}, signal ${signal})`));
      });
    });
    return { url, backend: BACKEND, dataDir, schema, stop, output };
  } catch (e) {
    await stop().catch(() => {});
    throw new Error(`${e.message}\ncommand: ${bin} ${args.join(' ')} (backend ${BACKEND})\n${output()}`);
  }
}
