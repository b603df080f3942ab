import { Metrics, type MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, type MetricPoint } from '../core/events';

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** Where the EMF lines go: stdout in Lambda (CloudWatch Logs turns them into metrics); the simulator swaps it. */
export type EmfSink = (line: string) => void;

let sink: EmfSink = (line) => process.stdout.write(`${line}\n`);

/** Send the EMF lines elsewhere until the returned function puts stdout back (the simulator keeps them). */
export function captureEmf(to: EmfSink): () => void {
  const previous = sink;
  sink = to;
  return () => {
    sink = previous;
  };
}

/**
 * Publish metrics in CloudWatch's embedded metric format, serialized by Powertools Metrics, flushed at once (one
 * JSON line per call): the functions run in the orchestrator's account, so the metrics land there. Emission never
 * throws: a metric is not worth a failed step.
 */
export function emitMetrics(dimensions: Record<string, string>, points: readonly MetricPoint[], at: Date): void {
  if (!points.length) return;
  try {
    const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: dimensions.Service });
    metrics.clearDefaultDimensions();
    for (const [name, value] of Object.entries(dimensions)) metrics.addDimension(name, value);
    metrics.setTimestamp(at);
    // Two values of one metric in one line are an EMF array; a single line per call keeps it one record.
    for (const p of points) metrics.addMetric(p.name, p.unit as Unit, p.value);
    const line = JSON.stringify(metrics.serializeMetrics());
    metrics.clearMetrics();
    sink(line);
  } catch {
    // A metric lost is a gap in a graph; the step goes on.
  }
}
