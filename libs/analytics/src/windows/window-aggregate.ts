import { LatencySketch } from '../sketch/latency-sketch';

/**
 * The additive summary of a set of events: kept per one-second slot and per minute, summed
 * into windows. Every field adds up exactly across slots, so any window is the sum of its
 * parts (the sketch included).
 */
export interface WindowAggregate {
  events: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  /** Durations seen; null until the first event that has one (most slots of tool events). */
  sketch: LatencySketch | null;
}

export function emptyAggregate(): WindowAggregate {
  return { events: 0, errors: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0, sketch: null };
}

export interface AggregateEvent {
  isError: boolean;
  duration_ms: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd: number | null;
}

export function addEvent(agg: WindowAggregate, e: AggregateEvent): void {
  agg.events += 1;
  if (e.isError) agg.errors += 1;
  agg.input_tokens += e.input_tokens ?? 0;
  agg.output_tokens += e.output_tokens ?? 0;
  agg.cost_usd += e.cost_usd ?? 0;
  if (e.duration_ms !== null) {
    agg.sketch ??= new LatencySketch();
    agg.sketch.add(e.duration_ms);
  }
}

/** Adds `source` into `target`. NOTE: never shares a sketch: `target` gets its own copy. */
export function mergeAggregate(target: WindowAggregate, source: WindowAggregate): void {
  target.events += source.events;
  target.errors += source.errors;
  target.input_tokens += source.input_tokens;
  target.output_tokens += source.output_tokens;
  target.cost_usd += source.cost_usd;
  if (source.sketch !== null) {
    target.sketch ??= new LatencySketch();
    target.sketch.merge(source.sketch);
  }
}
