import { z } from 'zod/v4';

/** Error body of every 4xx/5xx answer (CONTRACT section 4). */
export interface ApiErrorBody {
  error: { code: string; message: string };
}

/** Body of `POST /v1/events`: the array is checked here, each event by {@link EventValidator}. */
export function eventsBatchSchema(maxEvents: number) {
  return z.object({
    events: z
      .array(z.unknown(), { error: (iss) => (iss.input === undefined ? 'events is required' : 'events must be an array') })
      .min(1, 'events must not be empty')
      .max(maxEvents, `at most ${maxEvents} events per request`),
  });
}

/** Answer of `POST /v1/events`. */
export interface EventsAccepted {
  accepted: number;
  rejected: { index: number; error: string }[];
}
