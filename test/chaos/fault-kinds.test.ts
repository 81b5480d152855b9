import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Emulator } from "../../lib/emulator/index.ts";
import { parseThrottleSpec } from "../../lib/emulator/index.ts";
import type { Fault } from "../../lib/emulator/faults.ts";
import { credentialFor } from "../helpers/clients.ts";
import { startTestEmulator } from "../helpers/emulator.ts";
import { RG, SUB } from "../helpers/seeds.ts";

// The fault kinds the chaos suites stand on, through the admin API and a real HTTPS client: hold, drop, nth, rate,
// and snapshots.

let emu: Emulator;
let token: string;
const site = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Web/sites/func-faults`;
const tagsUrl = () => `${emu.url}${site}?api-version=2022-03-01`;

beforeAll(async () => {
  emu = await startTestEmulator({
    seed: {
      subscriptions: [{ subscriptionId: SUB, resourceGroups: [{ name: RG, sites: [{ name: "func-faults" }] }] }],
    },
    throttle: parseThrottleSpec("off"),
  });
  token = (await credentialFor(emu).getToken("https://management.azure.com/.default"))!.token;
});
afterAll(() => emu.close());

const admin = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
  const r = await fetch(`${emu.url}/_emulator/${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  const text = await r.text();
  return (text ? JSON.parse(text) : r.status) as T;
};
const headers = () => ({ authorization: `Bearer ${token}`, "content-type": "application/json" });
const patchTags = (tags: Record<string, string>) =>
  fetch(tagsUrl(), { method: "PATCH", headers: headers(), body: JSON.stringify({ tags }) });
const tagsNow = () => emu.arm.site(SUB, RG, "func-faults")!.tags;
const heldBy = async (id: number) => (await admin<Fault[]>("GET", "faults")).find((f) => f.id === id)?.held ?? 0;
const until = async (cond: () => Promise<boolean>) => {
  for (let i = 0; i < 500 && !(await cond()); i++) await new Promise((r) => setTimeout(r, 10));
};

describe("hold", () => {
  test("the request waits unserved until released with serve: then it is served and answered", async () => {
    const [hold] = await admin<Fault[]>("POST", "faults", { kind: "hold", method: "PATCH", times: 1 });
    const pending = patchTags({ step: "held-then-served" });
    await until(async () => (await heldBy(hold!.id)) === 1);
    expect(tagsNow().step, "not served while held").toBeUndefined();
    expect(await admin<number>("POST", `faults/${hold!.id}/release`, { serve: true })).toBe(204);
    expect((await pending).status).toBe(200);
    expect(tagsNow().step).toBe("held-then-served");
    expect(await admin<number>("POST", `faults/${hold!.id}/release`, {}), "nothing left to release").toMatchObject({
      error: expect.stringMatching(/holds no request/),
    });
  });

  test("cleared while held, the request is dropped unserved: the client sees a reset", async () => {
    const [hold] = await admin<Fault[]>("POST", "faults", { kind: "hold", method: "PATCH", times: 1 });
    const pending = patchTags({ step: "dropped" }).then(
      () => "answered",
      (e: Error) => `failed: ${(e.cause as { code?: string })?.code ?? e.message}`,
    );
    await until(async () => (await heldBy(hold!.id)) === 1);
    await admin("DELETE", "faults");
    expect(await pending).toMatch(/^failed/);
    expect(tagsNow().step).toBe("held-then-served");
  });
});

test("drop: the write is kept but never answered", async () => {
  await admin("POST", "faults", { kind: "drop", method: "PATCH", times: 1 });
  const outcome = await patchTags({ step: "dropped-after-write" }).then(
    () => "answered",
    () => "no answer",
  );
  expect(outcome).toBe("no answer");
  expect(tagsNow().step).toBe("dropped-after-write");
  expect(emu.log.list().at(-1)).toMatchObject({ method: "PATCH", status: 200 });
});

test("nth: only the n-th matching request", async () => {
  await admin("POST", "faults", { kind: "status", status: 503, method: "GET", nth: 3, times: 1 });
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await fetch(tagsUrl(), { headers: headers() })).status);
  expect(statuses).toEqual([200, 200, 503, 200]);
});

describe("rate", () => {
  const pattern = async (seed: number) => {
    await admin("DELETE", "faults");
    await admin("POST", "faults", { kind: "status", status: 500, method: "GET", rate: 0.3, seed });
    const out: number[] = [];
    for (let i = 0; i < 40; i++) out.push((await fetch(tagsUrl(), { headers: headers() })).status);
    await admin("DELETE", "faults");
    return out;
  };

  test("the same seed fails the same requests; about the rate of them; another seed others", async () => {
    const a = await pattern(42);
    expect(await pattern(42)).toEqual(a);
    const failed = a.filter((s) => s === 500).length;
    expect(failed).toBeGreaterThan(4);
    expect(failed).toBeLessThan(24);
    expect(await pattern(43)).not.toEqual(a);
  });
});

test("snapshots: restore brings the world back, as often as asked, and clears faults and the log", async () => {
  const { id } = await admin<{ id: string }>("POST", "snapshots");
  const before = structuredClone(tagsNow());
  for (const round of ["one", "two"]) {
    expect((await patchTags({ round })).status).toBe(200);
    await admin("POST", "faults", { kind: "status", status: 500 });
    expect(await admin<number>("POST", `snapshots/${id}/restore`)).toBe(204);
    expect(tagsNow(), `after round ${round}`).toEqual(before);
    expect(await admin<Fault[]>("GET", "faults")).toEqual([]);
    expect(await admin<unknown[]>("GET", "requests")).toEqual([]);
  }
  expect(await admin("POST", "snapshots/999/restore")).toMatchObject({ error: "no snapshot 999" });
});
