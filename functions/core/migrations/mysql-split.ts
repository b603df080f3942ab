import { lineAt } from './context';

/** One statement of a MySQL file, cut at the delimiter outside quotes and comments. */
export interface MysqlChunk {
  /** The statement as written, without its delimiter. */
  readonly text: string;
  /** The same with comments turned into spaces (newlines kept). */
  readonly code: string;
  readonly line: number;
  /** Holds a `/*! … *\/` comment, which MySQL executes but a parser reads as a comment. */
  readonly executable: boolean;
}

const DELIMITER_COMMAND = /^[ \t]*delimiter[ \t]+(\S+)[^\n]*/i;

function skipQuoted(sql: string, from: number, quote: string): number {
  for (let i = from + 1; i < sql.length; i++) {
    const c = sql[i];
    if (c === '\\' && quote !== '`') i++;
    else if (c === quote) return i + 1;
  }
  return sql.length;
}

function isLineComment(sql: string, i: number): boolean {
  if (sql[i] === '#') return true;
  return sql[i] === '-' && sql[i + 1] === '-' && (i + 2 >= sql.length || /\s/.test(sql[i + 2] ?? ''));
}

const blank = (text: string): string => text.replace(/[^\n]/g, ' ');

/**
 * A small lexer, because node-sql-parser neither gives statement offsets nor accepts a file where one statement
 * is wrong. It knows '…', "…" and `…` (with backslash escapes), -- and # line comments, /* … *\/ comments, and the
 * mysql client's DELIMITER command (which is not SQL and is dropped).
 */
export function splitMysql(sql: string): MysqlChunk[] {
  const chunks: MysqlChunk[] = [];
  let delimiter = ';';
  let start = 0;
  let code = '';
  let executable = false;
  const emit = (end: number) => {
    if (code.trim() !== '' || executable) {
      const lead = code.length - code.trimStart().length;
      chunks.push({ text: sql.slice(start, end), code, line: lineAt(sql, start + lead), executable });
    }
    code = '';
    executable = false;
  };
  let i = 0;
  while (i < sql.length) {
    const atLineStart = i === 0 || sql[i - 1] === '\n';
    const command = atLineStart && code.trim() === '' ? DELIMITER_COMMAND.exec(sql.slice(i, i + 200)) : null;
    let next: number;
    if (command?.[1]) {
      delimiter = command[1];
      i += command[0].length;
      start = i;
      code = '';
      continue;
    }
    if (sql.startsWith(delimiter, i)) {
      emit(i);
      start = i + delimiter.length;
      i = start;
      continue;
    } else if (sql[i] === "'" || sql[i] === '"' || sql[i] === '`') {
      next = skipQuoted(sql, i, sql[i] ?? '');
      code += sql.slice(i, next);
    } else if (isLineComment(sql, i)) {
      const end = sql.indexOf('\n', i);
      next = end < 0 ? sql.length : end;
      code += blank(sql.slice(i, next));
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      next = end < 0 ? sql.length : end + 2;
      const isExecutable = sql[i + 2] === '!';
      executable ||= isExecutable;
      code += isExecutable ? sql.slice(i, next) : blank(sql.slice(i, next));
    } else {
      next = i + 1;
      code += sql[i];
    }
    i = next;
  }
  emit(sql.length);
  return chunks;
}
