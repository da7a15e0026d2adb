/** `migrate up` applies pending migrations; `migrate down` reverts the newest one. */
import { loadConfig } from '@recsys/config';
import { createDataSource, ensureSchema } from '../data-source';

async function main(direction: string | undefined): Promise<void> {
  if (direction !== 'up' && direction !== 'down') throw new Error('usage: migrate up|down');
  const config = loadConfig();
  await ensureSchema(config.DATABASE_URL, config.DATABASE_SCHEMA);
  const ds = await createDataSource(config).initialize();
  try {
    if (direction === 'up') {
      const done = await ds.runMigrations({ transaction: 'each' });
      console.log(done.length ? `applied: ${done.map((m) => m.name).join(', ')}` : 'no pending migrations');
    } else {
      await ds.undoLastMigration({ transaction: 'each' });
      console.log('reverted the newest migration');
    }
  } finally {
    await ds.destroy();
  }
}

main(process.argv[2]).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
