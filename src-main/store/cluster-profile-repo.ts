import { z } from 'zod';
import { AppError } from '../app/errors';
import { tlsOptionsSchema, type ClusterProfile } from '../../src-shared/contract/clusters';
import { systemClock, type Clock } from './clock';
import { sqliteErrorCode, type Db } from './db';
import { parseJsonColumn, toJsonText } from './json';

/** A stored profile. `passwordStored` is not here: it comes from the SecretStore, never from this table. */
export type ClusterProfileRecord = Omit<ClusterProfile, 'passwordStored'>;
export type NewClusterProfile = Omit<ClusterProfileRecord, 'createdAt' | 'updatedAt'>;
/** What insert/update take: the profile, timestamps optional (the store's clock fills them in). */
export type ProfileWrite = NewClusterProfile & { createdAt?: string; updatedAt?: string };

interface Row {
  name: string;
  contact_points: string;
  local_dc: string;
  username: string;
  tls: string | null;
  sandbox: number;
  created_at: string;
  updated_at: string;
}

const contactPointsSchema = z.array(z.string());
const COLUMNS = 'name, contact_points, local_dc, username, tls, sandbox, created_at, updated_at';

function fromRow(r: Row): ClusterProfileRecord {
  const where = (col: string): string => `cluster_profiles[${r.name}].${col}`;
  return {
    name: r.name,
    contactPoints: parseJsonColumn(r.contact_points, contactPointsSchema, where('contact_points')),
    localDc: r.local_dc,
    username: r.username,
    tls: r.tls === null ? null : parseJsonColumn(r.tls, tlsOptionsSchema, where('tls')),
    sandbox: r.sandbox === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Columns are picked one by one, so a stray `password` on the input object can never be written. */
function toRow(p: NewClusterProfile, createdAt: string, updatedAt: string): Row {
  return {
    name: p.name,
    contact_points: toJsonText(p.contactPoints, 'contactPoints'),
    local_dc: p.localDc,
    username: p.username,
    tls: p.tls === null ? null : toJsonText(p.tls, 'tls'),
    sandbox: p.sandbox ? 1 : 0,
    created_at: createdAt,
    updated_at: updatedAt,
  };
}

export class ClusterProfileRepo {
  private readonly listStmt;
  private readonly getStmt;
  private readonly insertStmt;
  private readonly updateStmt;
  private readonly deleteStmt;

  constructor(
    private readonly db: Db,
    private readonly now: Clock = systemClock,
  ) {
    this.listStmt = db.prepare<[], Row>(`SELECT ${COLUMNS} FROM cluster_profiles ORDER BY name`);
    this.getStmt = db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM cluster_profiles WHERE name = ?`);
    this.insertStmt = db.prepare<[Row], unknown>(
      `INSERT INTO cluster_profiles (${COLUMNS}) VALUES (@name, @contact_points, @local_dc, @username, @tls, @sandbox, @created_at, @updated_at)`,
    );
    this.updateStmt = db.prepare<[Row], unknown>(
      `UPDATE cluster_profiles SET contact_points = @contact_points, local_dc = @local_dc, username = @username,
         tls = @tls, sandbox = @sandbox, updated_at = @updated_at WHERE name = @name`,
    );
    this.deleteStmt = db.prepare<[string], unknown>('DELETE FROM cluster_profiles WHERE name = ?');
  }

  list(): ClusterProfileRecord[] {
    return this.listStmt.all().map(fromRow);
  }

  get(name: string): ClusterProfileRecord | undefined {
    const row = this.getStmt.get(name);
    return row ? fromRow(row) : undefined;
  }

  /** Timestamps default to the clock; the cluster service passes its own. */
  insert(p: ProfileWrite): ClusterProfileRecord {
    const createdAt = p.createdAt ?? this.now();
    const updatedAt = p.updatedAt ?? createdAt;
    try {
      this.insertStmt.run(toRow(p, createdAt, updatedAt));
    } catch (e) {
      if (sqliteErrorCode(e) === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new AppError('CONFLICT', `a cluster profile named "${p.name}" already exists`);
      }
      throw e;
    }
    return { ...pick(p), createdAt, updatedAt };
  }

  /**
   * Replace every field of an existing profile (merging a partial edit is the service's job).
   * created_at is kept from the stored row: creation time is not editable.
   */
  update(p: ProfileWrite): ClusterProfileRecord {
    return this.db.transaction(() => {
      const current = this.getStmt.get(p.name);
      if (!current) throw new AppError('NOT_FOUND', `no cluster profile named "${p.name}"`);
      const updatedAt = p.updatedAt ?? this.now();
      this.updateStmt.run(toRow(p, current.created_at, updatedAt));
      return { ...pick(p), createdAt: current.created_at, updatedAt };
    })();
  }

  delete(name: string): boolean {
    return this.deleteStmt.run(name).changes > 0;
  }
}

function pick(p: NewClusterProfile): NewClusterProfile {
  return { name: p.name, contactPoints: p.contactPoints, localDc: p.localDc, username: p.username, tls: p.tls, sandbox: p.sandbox };
}
