import * as z from 'zod';

/** What the verification function returns (see `examples/verification/postgres`). */
export const VerificationResultSchema = z.strictObject({
  tables: z.array(
    z.strictObject({
      name: z.string(),
      rows: z.number().int().min(0),
      checksum: z.string(),
    }),
  ),
});
export type VerificationResult = z.output<typeof VerificationResultSchema>;

/** A verification as the record keeps it: where and when it ran, and what it found. */
export const VerificationSchema = z.strictObject({
  stage: z.enum(['before-snapshot', 'after-restore']),
  at: z.string(),
  identifier: z.string(),
  tables: VerificationResultSchema.shape.tables,
});
export type Verification = z.output<typeof VerificationSchema>;

export interface TableDifference {
  name: string;
  rowsBefore: number | null;
  rowsAfter: number | null;
  checksumChanged: boolean;
}

/** The tables whose count or checksum differs between two verifications (a table missing on one side differs). */
export function verificationDifferences(before: Verification, after: Verification): TableDifference[] {
  const names = [...new Set([...before.tables.map((t) => t.name), ...after.tables.map((t) => t.name)])];
  return names.flatMap((name) => {
    const b = before.tables.find((t) => t.name === name);
    const a = after.tables.find((t) => t.name === name);
    if (b && a && b.rows === a.rows && b.checksum === a.checksum) return [];
    return [
      {
        name,
        rowsBefore: b?.rows ?? null,
        rowsAfter: a?.rows ?? null,
        checksumChanged: !b || !a || b.checksum !== a.checksum,
      },
    ];
  });
}
