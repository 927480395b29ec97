import { z } from 'zod';
import { defineChannel, defineEvent } from './core';

export const jobProgressSchema = z.object({
  jobId: z.string(),
  kind: z.string(),
  label: z.string(),
  step: z.string(),
  /** 0..1, or null while the total is unknown. */
  fraction: z.number().min(0).max(1).nullable(),
  state: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
  message: z.string().optional(),
});
export type JobProgress = z.infer<typeof jobProgressSchema>;

export const appInfoSchema = z.object({
  version: z.string(),
  host: z.enum(['electron', 'web', 'cli']),
  dataDir: z.string(),
  secretBackend: z.enum(['keychain', 'vault']),
  schemaVersion: z.number().int(),
  /** Problems found while opening local state (a corrupt cache moved aside, …) that the operator must see. */
  notices: z.array(z.object({ level: z.enum(['info', 'warning', 'error']), message: z.string() })),
});
export type AppInfo = z.infer<typeof appInfoSchema>;

export const jobSchema = z.object({
  id: z.string(),
  kind: z.string(),
  label: z.string(),
  state: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
  step: z.string(),
  fraction: z.number().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  message: z.string().nullable(),
});
export type Job = z.infer<typeof jobSchema>;

export const appChannels = {
  'app.info': defineChannel({
    input: z.object({}).strict(),
    output: appInfoSchema,
    scope: 'local',
    mutates: false,
    summary: 'Console version, host kind, data directory and start-up notices',
  }),
  'jobs.list': defineChannel({
    input: z.object({}).strict(),
    output: z.array(jobSchema),
    scope: 'local',
    mutates: false,
    summary: 'Long-running jobs of this console, newest first',
  }),
  'jobs.cancel': defineChannel({
    input: z.object({ jobId: z.string().min(1).max(64) }).strict(),
    output: z.object({ cancelled: z.boolean() }),
    scope: 'local',
    mutates: true,
    summary: 'Ask a running job to stop at its next safe point',
  }),
};

export const appEvents = {
  'job.progress': defineEvent(jobProgressSchema),
};
