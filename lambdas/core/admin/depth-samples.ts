import type { DepthSample, DepthSamples, TargetDepths } from '../ports/index.js';

/**
 * Queue depth samples for the admin dashboard: fixed slots, one a minute over a day (the port,
 * DepthSamples, is in ports/admin.ts), how the sweeper takes a sample, and a memory store.
 */
export type { DepthSample, DepthSamples } from '../ports/index.js';

export const DEPTH_SLOT_MS = 60_000;
export const DEPTH_SAMPLE_SLOTS = 24 * 60;

/** The slot of a time: its minute, modulo a day. */
export function depthSlot(at: number): number {
  return Math.floor(at / DEPTH_SLOT_MS) % DEPTH_SAMPLE_SLOTS;
}

/** The slots that may hold samples of [from, to], clipped to the day the slots cover before `to`. */
export function depthSlotsBetween(from: number, to: number): number[] {
  const first = Math.max(Math.floor(from / DEPTH_SLOT_MS), Math.floor(to / DEPTH_SLOT_MS) - DEPTH_SAMPLE_SLOTS + 1);
  const slots: number[] = [];
  for (let minute = first; minute <= Math.floor(to / DEPTH_SLOT_MS); minute++) slots.push(minute % DEPTH_SAMPLE_SLOTS);
  return slots;
}

/** Counts every target's depth now and records it. */
export async function sampleDepths(targets: readonly string[], depths: TargetDepths, samples: DepthSamples, now: number): Promise<DepthSample> {
  const counted = await Promise.all(targets.map(async (t) => [t, await depths.depth(t)] as const));
  const sample: DepthSample = { at: now, depths: Object.fromEntries(counted) };
  await samples.record(sample);
  return sample;
}

/** In memory: tests, and a bare admin API. */
export class MemoryDepthSamples implements DepthSamples {
  private readonly slots = new Map<number, DepthSample>();

  async record(sample: DepthSample): Promise<void> {
    this.slots.set(depthSlot(sample.at), structuredClone(sample));
  }

  async list(from: number, to: number): Promise<DepthSample[]> {
    return inWindow([...this.slots.values()], from, to);
  }
}

/** The samples of a window, oldest first (a slot may still hold a sample from a day before). */
export function inWindow(samples: readonly DepthSample[], from: number, to: number): DepthSample[] {
  return samples.filter((s) => s.at >= from && s.at <= to && to - s.at < DEPTH_SAMPLE_SLOTS * DEPTH_SLOT_MS).sort((a, b) => a.at - b.at);
}
