// --- Metric math: the subset the product's alarms use --------------------------------------------------------

/** A parsed metric-math expression. */
export type ExprNode =
  | { k: 'num'; v: number }
  | { k: 'id'; name: string }
  | { k: 'neg'; e: ExprNode }
  | { k: 'bin'; op: string; l: ExprNode; r: ExprNode }
  | { k: 'call'; fn: string; args: ExprNode[] };

type Token = { kind: 'num' | 'name' | 'op'; text: string };

const TOKEN =
  /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(>=|<=|==|!=|&&|\|\||[-+*/^(),<>]))/y;
/** The binary operators, loosest first; each inner list is one precedence level (`^` is handled apart). */
const LEVELS: readonly (readonly string[])[] = [
  ['||'],
  ['&&'],
  ['>=', '>', '<=', '<', '==', '!='],
  ['+', '-'],
  ['*', '/'],
];
/** The functions simulated, with their number of arguments (least, most). */
const FUNCTIONS: Record<string, readonly [number, number]> = {
  IF: [2, 3],
  FILL: [2, 2],
  LOG: [1, 1],
  LOG10: [1, 1],
  ABS: [1, 1],
  FLOOR: [1, 1],
  CEIL: [1, 1],
};
/** The per-datapoint functions: a datapoint the result is not finite for (LOG of 0) is dropped. */
const POINT_FUNCTIONS: Record<string, (v: number) => number> = {
  LOG: Math.log,
  LOG10: Math.log10,
  ABS: Math.abs,
  FLOOR: Math.floor,
  CEIL: Math.ceil,
};
/** CloudWatch's limit on an expression's length (`MetricDataQuery.Expression`, 1 to 2048 characters). */
export const EXPRESSION_MAX_LENGTH = 2048;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < source.length) {
    if (/^\s*$/.test(source.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(source);
    if (!m) throw new Error(`unsupported syntax at "${source.slice(at).trim()}" in ${source}`);
    at = TOKEN.lastIndex;
    if (m[1] !== undefined) tokens.push({ kind: 'num', text: m[1] });
    // `AND` and `OR` are the words for `&&` and `||`; metric ids start with a lowercase letter, so no id clashes.
    else if (m[2] === 'AND' || m[2] === 'OR') tokens.push({ kind: 'op', text: m[2] === 'AND' ? '&&' : '||' });
    else if (m[2] !== undefined) tokens.push({ kind: 'name', text: m[2] });
    else tokens.push({ kind: 'op', text: m[3] as string });
  }
  return tokens;
}

/**
 * A recursive-descent parser. Precedence, tightest first: unary minus; `^` (right-associative); `* /`; `+ -`;
 * comparisons; `AND`/`&&`; `OR`/`||`.
 */
class ExpressionParser {
  private readonly tokens: Token[];
  private i = 0;

  constructor(private readonly source: string) {
    this.tokens = tokenize(source);
  }

  parse(): ExprNode {
    const node = this.binary(0);
    const rest = this.tokens[this.i];
    if (rest) this.fail(`unexpected "${rest.text}"`);
    return node;
  }

  private fail(what: string): never {
    throw new Error(`${what} in ${this.source}`);
  }

  private isOp(text: string): boolean {
    const t = this.tokens[this.i];
    return t?.kind === 'op' && t.text === text;
  }

  private expect(text: string): void {
    const t = this.tokens[this.i];
    if (t?.kind !== 'op' || t.text !== text) {
      this.fail(`expected "${text}"${t ? ` before "${t.text}"` : ' at the end'}`);
    }
    this.i++;
  }

  /** A left-associative level of `LEVELS`, or `^` and tighter below the last one. */
  private binary(level: number): ExprNode {
    const ops = LEVELS[level];
    if (!ops) return this.power();
    let left = this.binary(level + 1);
    while (ops.some((op) => this.isOp(op))) {
      const op = (this.tokens[this.i++] as Token).text;
      left = { k: 'bin', op, l: left, r: this.binary(level + 1) };
    }
    return left;
  }

  private power(): ExprNode {
    const base = this.unary();
    if (!this.isOp('^')) return base;
    this.i++;
    return { k: 'bin', op: '^', l: base, r: this.power() };
  }

  private unary(): ExprNode {
    if (this.isOp('-')) {
      this.i++;
      return { k: 'neg', e: this.unary() };
    }
    if (this.isOp('+')) {
      this.i++;
      return this.unary();
    }
    return this.primary();
  }

  private primary(): ExprNode {
    const t = this.tokens[this.i];
    if (!t) return this.fail('unexpected end');
    this.i++;
    if (t.kind === 'num') return { k: 'num', v: Number(t.text) };
    if (t.kind === 'op' && t.text === '(') {
      const inner = this.binary(0);
      this.expect(')');
      return inner;
    }
    if (t.kind === 'name') {
      if (this.isOp('(')) return this.call(t.text);
      if (!/^[a-z]/.test(t.text)) this.fail(`${t.text} is not simulated (metric ids start with a lowercase letter)`);
      return { k: 'id', name: t.text };
    }
    return this.fail(`unexpected "${t.text}"`);
  }

  private call(fn: string): ExprNode {
    const arity = FUNCTIONS[fn];
    if (!arity) this.fail(`the function ${fn} is not simulated (only ${Object.keys(FUNCTIONS).join(', ')})`);
    this.expect('(');
    const args = [this.binary(0)];
    while (this.isOp(',')) {
      this.i++;
      args.push(this.binary(0));
    }
    this.expect(')');
    if (args.length < arity[0] || args.length > arity[1]) {
      const count = arity[0] === arity[1] ? `${arity[0]}` : `${arity[0]} or ${arity[1]}`;
      this.fail(`${fn} takes ${count} arguments, not ${args.length}`);
    }
    return { k: 'call', fn, args };
  }
}

/**
 * Parse the metric-math subset the simulator evaluates: numbers, query ids, `+ - * / ^`, unary minus,
 * parentheses, comparisons (`>= > <= < == !=`, giving 1 or 0), `AND`/`&&`, `OR`/`||`, and the functions `IF`,
 * `FILL`, `LOG`, `LOG10`, `ABS`, `FLOOR`, `CEIL`. Anything else (other functions, `METRICS()`, strings) throws,
 * naming what is not simulated.
 */
export function parseExpression(source: string): ExprNode {
  return new ExpressionParser(source).parse();
}

/**
 * The value of an expression at one timestamp, as CloudWatch's metric math computes it ("Metric math syntax and
 * functions"), given the value of each query id there (undefined: that series has no datapoint there). The
 * caller decides whether the timestamp exists at all (some metric the expression depends on has a datapoint).
 *
 * - Arithmetic, comparison and logical operators treat a missing value as 0; a division by zero, or any result
 *   that is not a finite number, drops the datapoint (undefined), which the next operator again counts as 0.
 * - `IF(c, a, b)`: c missing drops the datapoint; c true (nonzero) gives a, or 0 where a has no datapoint; c false
 *   gives b, dropped where b has no datapoint or is omitted.
 * - `FILL(x, v)` gives v where x has no datapoint; `LOG`, `LOG10`, `ABS`, `FLOOR`, `CEIL` apply to each
 *   datapoint, and a missing one stays missing.
 */
export function evaluateExpression(node: ExprNode, lookup: (id: string) => number | undefined): number | undefined {
  switch (node.k) {
    case 'num':
      return node.v;
    case 'id':
      return lookup(node.name);
    case 'neg':
      return 0 - (evaluateExpression(node.e, lookup) ?? 0);
    case 'bin':
      return finite(
        applyOperator(node.op, evaluateExpression(node.l, lookup) ?? 0, evaluateExpression(node.r, lookup) ?? 0),
      );
    case 'call':
      return evaluateCall(node.fn, node.args, lookup);
  }
}

function evaluateCall(fn: string, args: ExprNode[], lookup: (id: string) => number | undefined): number | undefined {
  const arg = (k: number) => {
    const a = args[k];
    return a === undefined ? undefined : evaluateExpression(a, lookup);
  };
  switch (fn) {
    case 'IF': {
      const condition = arg(0);
      if (condition === undefined) return undefined;
      // Only the branch taken is evaluated: the other may divide by zero where it is not used.
      return condition !== 0 ? (arg(1) ?? 0) : arg(2);
    }
    case 'FILL':
      return arg(0) ?? arg(1);
  }
  const f = POINT_FUNCTIONS[fn];
  if (!f) throw new Error(`unknown function ${fn}`);
  const v = arg(0);
  return v === undefined ? undefined : finite(f(v));
}

function applyOperator(op: string, l: number, r: number): number | undefined {
  switch (op) {
    case '+':
      return l + r;
    case '-':
      return l - r;
    case '*':
      return l * r;
    case '/':
      return r === 0 ? undefined : l / r;
    case '^':
      return l ** r;
    case '>=':
      return l >= r ? 1 : 0;
    case '>':
      return l > r ? 1 : 0;
    case '<=':
      return l <= r ? 1 : 0;
    case '<':
      return l < r ? 1 : 0;
    case '==':
      return l === r ? 1 : 0;
    case '!=':
      return l !== r ? 1 : 0;
    case '&&':
      return l !== 0 && r !== 0 ? 1 : 0;
    case '||':
      return l !== 0 || r !== 0 ? 1 : 0;
  }
  throw new Error(`unknown operator ${op}`);
}

/** NaN and ±Infinity are not datapoints (`LOG(0)`, `(-8) ^ 0.5`): the datapoint is dropped. */
function finite(v: number | undefined): number | undefined {
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

/** The query ids an expression refers to. */
export function expressionIds(node: ExprNode, into = new Set<string>()): Set<string> {
  switch (node.k) {
    case 'id':
      into.add(node.name);
      break;
    case 'neg':
      expressionIds(node.e, into);
      break;
    case 'bin':
      expressionIds(node.l, into);
      expressionIds(node.r, into);
      break;
    case 'call':
      for (const a of node.args) expressionIds(a, into);
      break;
  }
  return into;
}
