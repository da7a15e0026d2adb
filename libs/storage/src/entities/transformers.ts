import { ValueTransformer } from 'typeorm';

/** PostgreSQL bigint arrives as a string; our values (ms timestamps, sequences) fit in a double. */
export const BIGINT_NUMBER: ValueTransformer = {
  to: (v: number | null | undefined) => v,
  from: (v: string | null) => (v === null ? null : Number(v)),
};
