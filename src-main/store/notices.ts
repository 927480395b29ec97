import type { AppInfo } from '../../src-shared/contract/app';
import type { EvidenceProbe } from './integrity';

export type StoreNotice = AppInfo['notices'][number];

/**
 * What the operator reads after a cache was moved aside. The level is 'error' whenever imported
 * audit evidence was (or, with an evidence table present but unreadable, may have been) left
 * behind: it is the one thing a rebuild from Cassandra cannot restore.
 */
export function movedAsideNotice(args: {
  path: string;
  why: 'corrupt' | 'foreign';
  reason: string;
  moved: string[];
  target: string;
  evidence: EvidenceProbe;
}): StoreNotice {
  const { path, why, reason, moved, target, evidence } = args;
  const companions = moved.length > 1 ? ` (with ${moved.slice(1).map((m) => m.slice(target.length)).join(', ')})` : '';
  const what =
    why === 'corrupt'
      ? `The local cache ${path} is damaged: ${reason}.`
      : `The file ${path} is not a Cassandra Security Manager cache: ${reason}.`;
  const head = `${what} It was moved to ${target}${companions}, not deleted, and a new empty cache was created; cluster data is rebuilt from Cassandra.`;

  if (evidence.rows !== null && evidence.rows > 0) {
    return {
      level: 'error',
      message:
        `${head} The preserved file holds ${evidence.rows} imported audit evidence record(s), which are NOT in the rebuilt cache. ` +
        `Keep ${target} and re-import that evidence from it or from its original source.`,
    };
  }
  if (evidence.rows === null && evidence.tableSeen) {
    return {
      level: 'error',
      message:
        `${head} The preserved file has an imported audit evidence table that could not be read; it may contain evidence that is NOT in the rebuilt cache. ` +
        `Keep ${target} and recover or re-import that evidence.`,
    };
  }
  if (evidence.rows === null) {
    return {
      level: 'warning',
      message: `${head} The preserved file could not be read, so it may contain imported audit evidence that is NOT in the rebuilt cache; keep ${target} until you have checked.`,
    };
  }
  return { level: 'warning', message: `${head} It held no imported audit evidence.` };
}
