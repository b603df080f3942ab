import { defineCrashes } from './crash';
import { defineMatrix } from './define';

// The whole fault matrix of one kind of release (npm run test:faults): see matrix.ts.
await defineMatrix('alb-regression');

// A crash right after each call that changes something, then a redrive: see crash.ts.
await defineCrashes('alb-regression');
