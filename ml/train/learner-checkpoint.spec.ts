import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodeBundle } from '../core/bundle';
import { selectBackend } from '../core/backend';
import type { MlEvent } from '../core/events';
import { contextKeys } from '../features/context';
import { FeatureState } from '../features/state';
import { ServingModel } from '../serving/serving-model';
import { generateShop, shopEvents } from '../sim/shop';
import { feedEvents } from './feed';
import { ContinualLearner, type LearnerOptions } from './learner';
import {
  ChecksumError,
  CheckpointKindError,
  CheckpointSchemaError,
  LEARNER_CHECKPOINT_KIND,
  LEARNER_CHECKPOINT_SCHEMA_VERSION,
  decodeLearnerCheckpoint,
  encodeLearnerCheckpoint,
  readLearnerCheckpoint,
  writeLearnerCheckpoint,
} from './learner-checkpoint';

const HOUR = 3600_000;
const STEP_MS = HOUR / 3;
// small towers, a teacher stepping every third step, active selection and a reservoir that fills and replaces:
// every part of the state is exercised
const OPTS: LearnerOptions = {
  student: { dim: 16, hidden: 32 },
  teacher: { dim: 16, hidden: 32, historyLen: 12 },
  teacherEvery: 3,
  selection: 'active',
  budget: 0.6,
  replaySize: 400,
  seed: 5,
};

let dir: string;
beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'learner-ckpt-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function shop(): MlEvent[] {
  return shopEvents(generateShop({ seed: 11, categories: 6, itemsPerCategory: 20, users: 120, clicksPerUser: 16 }));
}

/** The learner and its features in checkpoint bytes, with a fixed time (so two equal learners give equal bytes). */
function bytes(learner: ContinualLearner, features: FeatureState): Buffer {
  return encodeLearnerCheckpoint(learner, { cursor: null, features, createdAt: '2026-01-01T00:00:00.000Z' });
}

/** The serving artifact of a learner, built at a fixed time. */
function artifact(learner: ContinualLearner): Buffer {
  const memory = learner.wideHalves();
  return ServingModel.fromModel(learner.student, 'int8', { createdAt: '2026-01-01T00:00:00.000Z' }, memory, { vectors: learner.itemVectors().vectors }).save();
}

function recommendations(learner: ContinualLearner, features: FeatureState): number[][] {
  return Array.from({ length: 30 }, (_, u) => {
    const id = `u-${u}`;
    return learner.recommend(features.recentFirst(id), contextKeys(0, { device: 'mobile' }), { k: 10, exclude: features.users.get(id)?.positives });
  });
}

describe('learner checkpoint', () => {
  it('a trainer stopped mid-window and restored in a fresh learner ends with the weights, state and recommendations of one that never stopped', () => {
    const events = shop();
    const uninterrupted = new FeatureState();
    const a = new ContinualLearner(uninterrupted.catalog, OPTS);
    const all = feedEvents(uninterrupted, [a], events, STEP_MS);

    // stop in the middle of a window: samples (the teacher's too) are pending, not yet learned from
    const cut = Math.floor(events.length * 0.55);
    expect(Math.floor(events[cut - 1].ts / STEP_MS)).toBe(Math.floor(events[cut].ts / STEP_MS));
    const features = new FeatureState();
    const b = new ContinualLearner(features.catalog, OPTS);
    const first = feedEvents(features, [b], events.slice(0, cut), STEP_MS, false);
    expect(first.steps).toBeGreaterThan(3);
    expect(b.pendingCount).toBeGreaterThan(0);
    const file = path.join(dir, 'learner.ckpt');
    writeLearnerCheckpoint(file, b, { cursor: { eventId: events[cut - 1].eventId, index: cut - 1 }, features });

    const restored = readLearnerCheckpoint(file);
    expect(restored.cursor).toEqual({ eventId: events[cut - 1].eventId, index: cut - 1 });
    expect(restored.steps).toBe(b.stepCount);
    expect(restored.learner.pendingCount).toBe(b.pendingCount);
    const rf = restored.features as FeatureState;
    expect(rf.catalog).toBe(restored.learner.catalog);
    // the restored learner is the one checkpointed, byte for byte
    expect(bytes(restored.learner, rf).equals(bytes(b, features))).toBe(true);

    const rest = feedEvents(rf, [restored.learner], events.slice(cut), STEP_MS);
    expect(first.steps + rest.steps).toBe(all.steps);
    expect(restored.learner.stepCount).toBe(a.stepCount);
    // everything: weights, optimizer slots, sparse rows and their recency, memory, mixer, reservoir, draws, features
    expect(bytes(restored.learner, rf).equals(bytes(a, uninterrupted))).toBe(true);
    expect(recommendations(restored.learner, rf)).toEqual(recommendations(a, uninterrupted));
    // the serving artifacts are equal apart from their build time (here fixed)
    expect(artifact(restored.learner).equals(artifact(a))).toBe(true);
  });

  it('keeps the catalog when written without features, and refuses a wrong kind, a wrong schema version or a corrupted byte with typed errors', () => {
    const features = new FeatureState();
    const l = new ContinualLearner(features.catalog, { student: { dim: 8, hidden: 16 }, seed: 2 });
    feedEvents(features, [l], shop().slice(0, 900), STEP_MS);
    const buf = encodeLearnerCheckpoint(l, { cursor: 899 });
    const back = decodeLearnerCheckpoint(buf);
    expect(back.features).toBeNull();
    expect(back.catalog.ids).toEqual(features.catalog.ids);
    expect(back.cursor).toBe(899);
    expect(Array.from(back.learner.itemVectors().vectors)).toEqual(Array.from(l.itemVectors().vectors));

    expect(() => decodeLearnerCheckpoint(encodeBundle({ kind: 'serving-artifact', schemaVersion: 1 }))).toThrow(CheckpointKindError);
    expect(() => decodeLearnerCheckpoint(encodeBundle({ kind: LEARNER_CHECKPOINT_KIND, schemaVersion: LEARNER_CHECKPOINT_SCHEMA_VERSION + 1 }))).toThrow(CheckpointSchemaError);
    const bad = Buffer.from(buf);
    bad[bad.length - 3] ^= 0xff;
    expect(() => decodeLearnerCheckpoint(bad)).toThrow(ChecksumError);
  });

  it('replaces a checkpoint file through a temporary name, leaving no temporary file behind', () => {
    const features = new FeatureState();
    const l = new ContinualLearner(features.catalog, { student: { dim: 8, hidden: 16 }, seed: 3 });
    const file = path.join(dir, 'sub', 'replace.ckpt');
    writeLearnerCheckpoint(file, l, { cursor: 'first', features });
    feedEvents(features, [l], shop().slice(0, 600), STEP_MS);
    const n = writeLearnerCheckpoint(file, l, { cursor: 'second', features });
    expect(fs.statSync(file).size).toBe(n);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['replace.ckpt']);
    expect(readLearnerCheckpoint(file).cursor).toBe('second');
  });
});
