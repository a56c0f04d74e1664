import { describe, expect, it } from "vitest";
import { CoreScheduler } from "../../src/cmdstan/scheduler.js";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("CoreScheduler", () => {
  it("never runs more tasks than cores and keeps all cores busy while work waits", async () => {
    const s = new CoreScheduler(3);
    let running = 0;
    let peak = 0;
    const samples: number[] = [];
    const task = async () => {
      running++;
      peak = Math.max(peak, running);
      await tick(5 + Math.random() * 10);
      samples.push(s.stats().waiting > 0 ? running : -1);
      running--;
    };
    await Promise.all(Array.from({ length: 30 }, () => s.run(task)));
    expect(peak).toBe(3);
    // Whenever something was waiting, all three cores were in use.
    for (const r of samples.filter((x) => x >= 0)) expect(r).toBe(3);
    expect(s.stats()).toEqual({ capacity: 3, inUse: 0, waiting: 0 });
  });

  it("grants in request order", async () => {
    const s = new CoreScheduler(1);
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3, 4].map((i) =>
        s.run(async () => {
          order.push(i);
          await tick(1);
        }),
      ),
    );
    expect(order).toEqual([1, 2, 3, 4]);
  });

  it("releases cores when a task throws", async () => {
    const s = new CoreScheduler(1);
    await expect(
      s.run(async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(s.stats().inUse).toBe(0);
  });

  it("rejects a non-positive budget", () => {
    expect(() => new CoreScheduler(0)).toThrow(/positive integer/);
  });
});
