import * as z from 'zod';

/**
 * Text that people type and that the audit trail, the reports and the notifications carry: who asked for a
 * release and why, who approved an override, an operator's reason, a phase's or an approval's name. Such text
 * must say something (a reason of ten spaces is no reason) and must stay on one line (a line break in a phase
 * name would end up in an SNS subject, which AWS documents as "no line breaks or control characters"; in a log
 * line or a report it can forge a line that looks like the system's own).
 *
 * Refused:
 * - control characters, Unicode category Cc: U+0000-U+001F (NUL, TAB, LF, CR...), U+007F and U+0080-U+009F;
 * - the line and paragraph separators U+2028 and U+2029, which break lines too;
 * - lone surrogates (category Cs), which are not text and cannot be encoded as UTF-8 on the way to SNS.
 *
 * TAB is refused like any other control character: every one of these fields is a single-line label or reason,
 * a tab looks like spaces in the audit trail while it is not one, it shifts the columns of the CLI's and the
 * reports' aligned output, and it is a control character for SNS subjects. A tab pasted into a reason is fixed
 * by typing a space.
 *
 * Visible: at least one letter, digit, punctuation mark or symbol (categories L, N, P, S), so that text made only
 * of spaces, no-break spaces or zero-width characters is refused.
 */

/** A control character, a line or paragraph separator, or a lone surrogate, anywhere in the text. */
const FORBIDDEN = /[\p{Cc}\p{Cs}\u2028\u2029]/u;
/** The same, as a whole-string pattern for the generated JSON Schemas (editors check it as people type). */
const WITHOUT_FORBIDDEN = /^[^\p{Cc}\p{Cs}\u2028\u2029]*$/u;
/** One visible character: a letter, a digit, a punctuation mark or a symbol. */
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

export const NOT_VISIBLE_MESSAGE = 'expected visible text, not only spaces or invisible characters';

/** `expected text without control characters ... (found U+000A)`: the first offending character, as a code point. */
export function controlCharacterMessage(value: unknown): string {
  const found = typeof value === 'string' ? value.match(FORBIDDEN)?.[0] : undefined;
  const code =
    found === undefined ? '' : ` (found U+${(found.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')})`;
  return `expected text without control characters such as line breaks, tabs or NUL${code}`;
}

/** Whether a string is visible text: no control characters, and at least one visible character. */
export function isVisibleText(value: string): boolean {
  return !FORBIDDEN.test(value) && VISIBLE.test(value);
}

export interface VisibleTextOptions {
  /**
   * The fewest characters, not counting spaces at either end (so that padding cannot reach it).
   *
   * @default 1 (any visible text)
   */
  min?: number;
  /** The most characters. */
  max: number;
  /** The message when the text is shorter than `min`. */
  minMessage?: string;
}

/**
 * A zod string of visible text on one line (see the module comment): at most `max` characters, no control
 * characters, at least one visible character, and at least `min` characters once trimmed. Each problem is
 * reported once, the first that applies in that order, so that `"\n"` is not also "not visible"; chain a
 * `.regex()` for a narrower character set (checked only when the text is visible).
 */
export function visibleText(options: VisibleTextOptions) {
  const { min = 1, max } = options;
  const tooShort = options.minMessage ?? `expected at least ${min} characters (not counting spaces at either end)`;
  let schema = z
    .string()
    .max(max)
    .regex(WITHOUT_FORBIDDEN, { error: (issue) => controlCharacterMessage(issue.input), abort: true })
    .regex(VISIBLE, { message: NOT_VISIBLE_MESSAGE, abort: true });
  if (min > 1) {
    schema = schema
      .min(min, { message: tooShort, abort: true })
      .refine((value) => value.trim().length >= min, { message: tooShort, abort: true });
  }
  return schema;
}
