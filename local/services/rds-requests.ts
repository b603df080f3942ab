import * as rdsSdk from '@aws-sdk/client-rds';
import { awsError } from '../transport';
import { fnv1a } from './rds-data';

// Reading RDS requests as RDS does (identifiers, ARNs, parameters, tags, filters, pages) and raising its faults.

export interface Tag {
  Key: string;
  Value: string;
}

export function fault(name: string, message: string): Error {
  return awsError(rdsSdk, 'RDSServiceException', name, message);
}

export function invalidIdentifier(field: string, value: string): Error {
  return fault(
    'InvalidParameterValue',
    `The parameter ${field} is not a valid identifier (${value}). Identifiers must begin with a letter; must contain ` +
      'only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.',
  );
}

/** An RDS identifier: 1–`max` letters, digits or hyphens, a letter first, no `--`, no trailing `-`. */
export function validIdentifier(id: string, max: number): boolean {
  return id.length >= 1 && id.length <= max && /^[A-Za-z][A-Za-z0-9-]*$/.test(id) && !/--/.test(id) && !/-$/.test(id);
}

/** `yyyy-mm-dd-hh-mm` (UTC), as in automated snapshot names. */
export function stamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace(/[T:]/g, '-');
}

/** The identifier part of an ARN of `type` (`db`, `cluster`, `snapshot`, `cluster-snapshot`), or the input. */
export function fromArn(idOrArn: string, type: string): string {
  const prefix = /^arn:[^:]+:rds:[^:]*:[^:]*:/.exec(idOrArn);
  if (!prefix) return idOrArn;
  const rest = idOrArn.slice(prefix[0].length);
  return rest.startsWith(`${type}:`) ? rest.slice(type.length + 1) : idOrArn;
}

/** A resource id (`db-…`, `cluster-…`): stable for a `seed`, which names the database and when it was made. */
export function resourceId(type: 'db' | 'cluster', seed: string, id: string): string {
  return `${type}-${fnv1a(seed).toUpperCase()}${fnv1a(id).toUpperCase()}`;
}

export function defaultParameterGroup(engine: string, engineVersion: string): string {
  return `default.${engine}${engineVersion.split('.')[0]}`;
}

export function toTagList(tags: Record<string, string> | undefined): Tag[] {
  return Object.entries(tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
}

export function tagList(value: unknown): Tag[] {
  if (!Array.isArray(value)) throw fault('InvalidParameterValue', 'Tags must be a list of {Key, Value}');
  return value.map((t: { Key?: unknown; Value?: unknown }) => {
    if (typeof t?.Key !== 'string' || t.Key.length === 0) throw fault('InvalidParameterValue', 'A tag has no Key');
    return { Key: t.Key, Value: t.Value === undefined ? '' : String(t.Value) };
  });
}

export function requiredString(input: Record<string, unknown>, field: string): string {
  const value = input[field];
  if (value === undefined || value === null || value === '') {
    throw fault('MissingParameter', `The request must contain the parameter ${field}`);
  }
  return String(value);
}

export function optionalString(input: Record<string, unknown>, field: string): string | undefined {
  const value = input[field];
  return value === undefined || value === null ? undefined : String(value);
}

export function optionalNumber(input: Record<string, unknown>, field: string): number | undefined {
  const value = input[field];
  return value === undefined || value === null ? undefined : Number(value);
}

export function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.length > 0 ? value.map(String) : undefined;
}

/**
 * The filters a Describe call supports, each with what it compares in an item and, for identifier filters, the
 * ARN type its values may be given as.
 */
export type FilterTable<T> = Record<string, { of: (item: T) => string | undefined; arnType?: string }>;

/** The request's filters by name, rejecting names the simulation does not know (before anything is looked up). */
export function parseFilters<T>(value: unknown, table: FilterTable<T>): Map<string, string[]> {
  const supported = Object.keys(table);
  const filters = new Map<string, string[]>();
  if (value === undefined) return filters;
  for (const f of value as { Name?: string; Values?: string[] }[]) {
    const name = String(f.Name);
    if (!supported.includes(name)) {
      throw fault('InvalidParameterValue', `Unrecognized filter name: ${name} (simulated: ${supported.join(', ')})`);
    }
    filters.set(name, [...(filters.get(name) ?? []), ...(f.Values ?? []).map(String)]);
  }
  return filters;
}

/** The items every filter matches (identifiers compared in lower case, ARNs read as identifiers). */
export function applyFilters<T>(items: T[], filters: Map<string, string[]>, table: FilterTable<T>): T[] {
  let list = items;
  for (const [name, values] of filters) {
    const filter = table[name];
    if (!filter) continue;
    const { arnType, of } = filter;
    const wanted = arnType ? values.map((v) => fromArn(v, arnType).toLowerCase()) : values;
    list = list.filter((item) => {
      const value = of(item);
      return value !== undefined && wanted.includes(value);
    });
  }
  return list;
}

/** RDS pagination: MaxRecords 20–100 (default 100) and an opaque Marker. */
export function paginate<T>(items: T[], input: Record<string, unknown>): { items: T[]; marker: { Marker?: string } } {
  const max = input.MaxRecords === undefined ? 100 : Number(input.MaxRecords);
  if (!Number.isInteger(max) || max < 20 || max > 100) {
    throw fault(
      'InvalidParameterValue',
      `Invalid value ${input.MaxRecords} for MaxRecords. Must be between 20 and 100`,
    );
  }
  let start = 0;
  if (input.Marker !== undefined) {
    const decoded = /^sim-marker-(\d+)$/.exec(Buffer.from(String(input.Marker), 'base64url').toString('utf8'));
    if (!decoded) throw fault('InvalidParameterValue', `Invalid Marker: ${input.Marker}`);
    start = Number(decoded[1]);
  }
  const page = items.slice(start, start + max);
  const next = start + max;
  return {
    items: page,
    marker: next < items.length ? { Marker: Buffer.from(`sim-marker-${next}`, 'utf8').toString('base64url') } : {},
  };
}
