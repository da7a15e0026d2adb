/** The native tests' way to the tensorflow backend: selected for real, or a failure that names what is missing. */
import { readFileSync } from 'fs';
import * as path from 'path';
import type { BackendChoice, selectBackend } from '../../../ml/core/backend';

const ROOT = path.resolve(__dirname, '../../..');

/** The last outcome of `npm run setup:tensorflow` on this checkout (var/tensorflow/setup-cpu.txt), or a hint. */
export function setupOutcome(): string {
  try {
    return readFileSync(path.join(ROOT, 'var/tensorflow/setup-cpu.txt'), 'utf8').trim();
  } catch {
    return 'npm run setup:tensorflow has not run on this checkout';
  }
}

/**
 * Selects the tensorflow backend through `backend` (the module's real selectBackend) and resolves with the choice;
 * rejects when another backend was selected instead, with the reason and the setup's last outcome.
 */
export async function requireTensorflow(backend: { selectBackend: typeof selectBackend }): Promise<BackendChoice> {
  const choice = await backend.selectBackend('tensorflow', () => undefined);
  if (choice.name !== 'tensorflow') {
    throw new Error(
      `the tensorflow backend did not load (${choice.reasons.tensorflow ?? 'unknown reason'}); ` +
        `setup: ${setupOutcome()}. Build it with: npm run setup:tensorflow`,
    );
  }
  return choice;
}
