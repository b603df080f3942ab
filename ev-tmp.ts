import { readFileSync } from 'node:fs';
import { parseScenario } from './local/scenario';
import { simulate } from './local/simulate';
import { emfDocumentsOf } from './local/emf-capture';
const file = process.argv[2];
const { report, simulator } = await simulate(parseScenario(JSON.parse(readFileSync(file, 'utf8'))));
console.log(report.outcome, JSON.stringify(report.events, null, 0));
console.log(emfDocumentsOf(simulator.world).map((d) => JSON.stringify(d)).join('\n'));
