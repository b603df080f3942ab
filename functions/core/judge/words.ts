/** The judge's numbers in words. */

/** The most evidence a record keeps: DynamoDB's document client refuses integers beyond 2^53. */
export const EVIDENCE_CAP = 1e15;

/** Evidence as odds against "no regression": `1 : 140`. */
export function odds(logEvidence: number): string {
  const v = Math.exp(logEvidence);
  if (v >= EVIDENCE_CAP * (1 - 1e-9)) return `1 : >${EVIDENCE_CAP.toExponential(0).replace('e+', 'e')}`;
  if (!Number.isFinite(v) || v >= 1e6)
    return `1 : ${v >= 1e300 || !Number.isFinite(v) ? '>1e300' : v.toExponential(1).replace('e+', 'e')}`;
  if (v >= 100) return `1 : ${Math.round(v)}`;
  if (v >= 10) return `1 : ${v.toFixed(0)}`;
  if (v < 0.01) return '1 : <0.01';
  return `1 : ${v.toFixed(v >= 1 ? 1 : 2)}`;
}

/** 0.0123 → `1.23%` */
export function pct(value: number): string {
  const v = value * 100;
  const text = v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v >= 0.1 ? v.toFixed(2) : v.toFixed(3);
  return `${Number(text)}%`;
}

/** 185.3 → `185 ms` */
export function ms(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

/** `14:07` of an ISO-8601 UTC instant. */
export function clock(iso: string): string {
  return iso.slice(11, 16);
}

/**
 * A share printed against the threshold it is compared with, with as many more digits as it takes for the two to
 * print differently whenever they differ: `5.01%` above `5%`, never "5% is above 5%".
 */
export function pctAgainst(value: number, threshold: number): string {
  const plain = pct(value);
  if (value === threshold || plain !== pct(threshold)) return plain;
  for (let digits = 1; digits <= 6; digits++) {
    const precise = `${Number((value * 100).toFixed(digits))}%`;
    if (precise !== `${Number((threshold * 100).toFixed(digits))}%`) return precise;
  }
  return `${value * 100}%`;
}
