/**
 * SNS subjects must be UTF-8 text under 100 characters, with no line breaks or control characters (SNS Publish
 * API): line breaks and control characters become spaces; then the version is shortened, then the service, and the
 * verb (the outcome) last and least, to keep `[rollout-pilot] <service> <version> <verb>` within 99 characters.
 * Cuts never split a character (a lone surrogate is not UTF-8).
 */
export function subject(service: string, version: string, verb: string): string {
  [service, version, verb] = [clean(service), clean(version), clean(verb)];
  const room = SUBJECT_MAX - '[rollout-pilot]   '.length;
  // The verb keeps at least 60 characters, the service 20; the version has what is left, at least 1.
  const verbCut = cut(verb, Math.max(room - service.length - version.length, 60));
  const svcCut = cut(service, Math.max(room - verbCut.length - Math.min(version.length, 2), 20));
  const verCut = cut(version, Math.max(room - verbCut.length - svcCut.length, 1));
  return `[rollout-pilot] ${svcCut} ${verCut} ${verbCut}`;
}

/** Any text as a subject SNS accepts: line breaks and control characters as spaces, cut to 99 characters. */
export function snsSubject(text: string): string {
  return cut(clean(text), SUBJECT_MAX);
}

function clean(text: string): string {
  return text.replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ').trim();
}

/** SNS: "less than 100 characters". */
const SUBJECT_MAX = 99;

/** `text` in at most `max` UTF-16 units, ending in `…` when cut, never splitting a surrogate pair. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const char of text) {
    if (out.length + char.length > max - 1) break;
    out += char;
  }
  return `${out}…`;
}
