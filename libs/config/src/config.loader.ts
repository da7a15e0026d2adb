import { CONFIG_SCHEMA, AppConfig, ConfigInput } from './config.schema';

/** Thrown when the configuration is invalid; the message names every bad key. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses and validates configuration. `source` defaults to the process environment: this module is
 * the only place in the code base that reads `process.env`. `overrides` win over `source`.
 */
export function loadConfig(overrides: ConfigInput = {}, source: NodeJS.ProcessEnv = process.env): AppConfig {
  const keys = Object.keys(CONFIG_SCHEMA.shape) as (keyof ConfigInput)[];
  const raw: Record<string, string | undefined> = {};
  for (const key of keys) {
    const value = key in overrides ? overrides[key] : source[key];
    // An empty variable means "not set", as in most shells' `FOO= cmd`.
    raw[key] = value === '' ? undefined : value;
  }
  const parsed = CONFIG_SCHEMA.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return Object.freeze(parsed.data) as AppConfig;
}

/** Topic names derived from the configured prefix (CONTRACT section 3). */
export function topicNames(config: Pick<AppConfig, 'KAFKA_TOPIC_PREFIX'>): {
  interactions: string;
  products: string;
  deadLetter: string;
} {
  const p = config.KAFKA_TOPIC_PREFIX;
  return { interactions: `${p}.interactions`, products: `${p}.products`, deadLetter: `${p}.dead-letter` };
}
