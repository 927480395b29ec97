import { AppError } from '../app/errors';

const MAX_SECRET = 4096;

/** Read a secret from stdin (first line, newline stripped). Passwords never come from argv. */
export async function readSecretFromStdin(label: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_SECRET) throw new AppError('BAD_INPUT', `${label} on stdin is longer than ${MAX_SECRET} bytes`);
    chunks.push(b);
  }
  const value = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (value.length === 0) throw new AppError('BAD_INPUT', `no ${label} on stdin`);
  return value;
}

/** Interactive prompt with echo off; only when stdin is a terminal. */
export async function promptSecret(label: string): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new AppError('BAD_INPUT', `${label} needed: pass --password-stdin and pipe it in`);
  }
  process.stderr.write(`${label}: `);
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const onData = (buf: Buffer): void => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          done();
          return value.length ? resolve(value) : reject(new AppError('BAD_INPUT', `empty ${label}`));
        }
        if (ch === '\u0003') {
          done();
          return reject(new AppError('CANCELLED', 'cancelled'));
        }
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    const done = (): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
    };
    stdin.on('data', onData);
  });
}
