import { z } from "zod";
import { send, type Ctx } from "./http.ts";

/**
 * The `answer` fault (faults.ts): the request is not served; the emulator answers `status` with this exact body and
 * content type instead. It stands for what sits between a client and Azure or misbehaves in it: a gateway's HTML 502
 * page, a truncated JSON body, a 200 whose body is an error or another shape.
 */
export const answerSchema = z.object({
  status: z.number().int().min(100).max(599).default(200),
  body: z.string().default(""),
  contentType: z.string().default("application/json; charset=utf-8"),
});

export type AnswerFault = z.output<typeof answerSchema>;

/** Sends the first `answer` fault among those applied; false when there is none (the request is served as usual). */
export function sendAnswerFault(ctx: Ctx, applied: readonly { kind: string; answer?: AnswerFault }[]): boolean {
  const fault = applied.find((f) => f.kind === "answer");
  if (!fault) return false;
  const a = fault.answer ?? answerSchema.parse({});
  send(ctx, a.status, a.body, { "content-type": a.contentType });
  return true;
}
