import { defineMatrix } from './define';

// The whole fault matrix of one kind of release (npm run test:faults): see matrix.ts.
await defineMatrix('lambda');
