import { defineCrashes } from './crash';
import { defineMatrix } from './define';

// The whole fault matrix of a release through every gate that calls AWS (npm run test:faults): see matrix.ts.
await defineMatrix('gates');

// A crash right after each call that changes something, then a redrive: see crash.ts.
await defineCrashes('gates');
