import { type DoStmt, loadModule, type Node, parseSync, type RawStmt, type ScanToken, scanSync } from 'libpg-query';
import { type ClassifiedStatement, type MigrationContext, settle, shortText } from './context';
import { classifyDo } from './postgres-do';
import { bodyOf } from './postgres-nodes';
import { classifyPostgresNode } from './postgres-statements';
import { type Finding, finding } from './rules';

let loading: Promise<void> | undefined;

/** libpg-query is PostgreSQL's own parser compiled to WebAssembly; it must be instantiated once first. */
export function loadPostgresParser(): Promise<void> {
  loading ??= loadModule();
  return loading;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const NEWLINE = 10;
const SPACE = 32;
const COMMENT_TOKENS: ReadonlySet<string> = new Set(['C_COMMENT', 'SQL_COMMENT']);
const SEMICOLON = 'ASCII_59';

/** A statement cut from a file: its byte offset, its text without comments, and the parse or the error. */
interface Piece {
  readonly from: number;
  readonly code: string;
  readonly node?: Node;
  readonly error?: string;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The text with comments turned into spaces (newlines kept, so lines still count right). */
function blankComments(text: string): string {
  const bytes = encoder.encode(text);
  try {
    for (const token of scanSync(text).tokens ?? []) {
      if (!COMMENT_TOKENS.has(token.tokenName)) continue;
      for (let i = token.start; i < token.end; i++) if (bytes[i] !== NEWLINE) bytes[i] = SPACE;
    }
  } catch {
    return text;
  }
  return decoder.decode(bytes);
}

function piece(bytes: Uint8Array, from: number, to: number, node?: Node, error?: string): Piece {
  const code = blankComments(decoder.decode(bytes.subarray(from, to)));
  return { from, code, ...(node ? { node } : {}), ...(error === undefined ? {} : { error }) };
}

/** libpg-query reports statement offsets in bytes; a length of 0 means "to the end". */
function rawPieces(bytes: Uint8Array, base: number, end: number, stmts: readonly RawStmt[]): Piece[] {
  return stmts.map((raw) => {
    const from = base + (raw.stmt_location ?? 0);
    return piece(bytes, from, raw.stmt_len ? from + raw.stmt_len : end, raw.stmt);
  });
}

function parseChunk(bytes: Uint8Array, from: number, to: number): Piece[] {
  try {
    return rawPieces(bytes, from, to, parseSync(decoder.decode(bytes.subarray(from, to))).stmts ?? []);
  } catch (e) {
    return [piece(bytes, from, to, undefined, message(e))];
  }
}

/**
 * When a file does not parse whole, PostgreSQL's scanner (which knows quotes, dollar quotes and comments)
 * cuts it at semicolons and each statement is parsed alone, so the ones that do parse are still classified.
 */
function cutByScanner(sql: string, bytes: Uint8Array): Piece[] {
  let tokens: ScanToken[];
  try {
    tokens = scanSync(sql).tokens ?? [];
  } catch {
    return [piece(bytes, 0, bytes.length, undefined, 'an unterminated quote, dollar quote or comment')];
  }
  const pieces: Piece[] = [];
  let chunk: ScanToken[] = [];
  const flush = () => {
    const first = chunk.find((t) => !COMMENT_TOKENS.has(t.tokenName));
    const last = chunk.at(-1);
    if (first && last) pieces.push(...parseChunk(bytes, first.start, last.end));
    chunk = [];
  };
  for (const token of tokens) {
    chunk.push(token);
    if (token.tokenName === SEMICOLON) flush();
  }
  flush();
  return pieces;
}

function cut(sql: string): { bytes: Uint8Array; pieces: Piece[] } {
  const bytes = encoder.encode(sql);
  try {
    return { bytes, pieces: rawPieces(bytes, 0, bytes.length, parseSync(sql).stmts ?? []) };
  } catch {
    return { bytes, pieces: cutByScanner(sql, bytes) };
  }
}

function lineOf(bytes: Uint8Array, p: Piece): number {
  let line = 1;
  for (let i = 0; i < p.from; i++) if (bytes[i] === NEWLINE) line++;
  const lead = p.code.length - p.code.trimStart().length;
  for (let i = 0; i < lead; i++) if (p.code.charCodeAt(i) === NEWLINE) line++;
  return line;
}

function classifyPiece(p: Piece, ctx: MigrationContext): Finding {
  if (p.error !== undefined || !p.node) {
    return finding('unparsed', `PostgreSQL's parser rejects it: ${p.error ?? 'no statement'}`);
  }
  const doStmt = bodyOf<DoStmt>(p.node, 'DoStmt');
  if (doStmt) return classifyDo(doStmt, ctx);
  return settle(classifyPostgresNode(p.node, ctx), ctx);
}

/** Classifies every statement of one PostgreSQL migration file, in order. Call loadPostgresParser() first. */
export function classifyPostgresFile(sql: string, ctx: MigrationContext): ClassifiedStatement[] {
  ctx.inTransaction = false;
  const { bytes, pieces } = cut(sql);
  return pieces.map((p, index) => ({
    index,
    line: lineOf(bytes, p),
    text: shortText(p.code),
    finding: classifyPiece(p, ctx),
  }));
}
