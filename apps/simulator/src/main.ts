/**
 * The demo shop simulator (`npm start` runs it unless SIMULATOR=off): synthetic shoppers request recommendations from
 * the API and send their impressions, clicks, carts and purchases back through it, so the dashboard shows the system
 * learning. A client of the public HTTP API only.
 */
import { loadConfig } from '@recsys/config';
import { DemoShop } from '@recsys/ml';
import { DemoShopRunner, ShopApiClient } from '@recsys/simulator';

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.SIMULATOR !== 'on') {
    log('SIMULATOR is off: nothing to do');
    return;
  }
  const api = new ShopApiClient(config.RECSYS_URL ?? `http://127.0.0.1:${config.PORT}`);
  let stopping = false;
  const shop = new DemoShop({ seed: config.SIM_SEED, shoppers: config.SIM_SHOPPERS });
  const runner = new DemoShopRunner(shop, api, { visitsPerSecond: config.SIM_VISITS_PER_SECOND, hourMs: config.DEMO_HOUR_SECONDS * 1000 }, log);
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await runner.stop();
    log(`stopped: ${runner.summary()}`);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());

  while (!(await api.ready())) {
    if (stopping) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  for (;;) {
    try {
      await runner.publishCatalog();
      break;
    } catch (err) {
      log(`posting the catalog failed, retrying: ${err instanceof Error ? err.message : String(err)}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  log(`demo shop: ${shop.catalog(0).length} products, ${config.SIM_SHOPPERS} shoppers, ${config.SIM_VISITS_PER_SECOND} visits/s, a shop hour every ${config.DEMO_HOUR_SECONDS} s`);
  runner.start();
}

main().catch((err) => {
  log(`simulator failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
