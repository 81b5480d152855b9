import { z } from "zod";

// Desired Entra app registration. Placeholder shape until update-manifest lands; it accepts the addressing keys
// configure-auth needs to resolve `clientId: fromRegistration`.
export const registrationSchema = z
  .object({
    appId: z.string().optional().describe("appId of an existing registration"),
    uniqueName: z.string().optional().describe("uniqueName: the stable key used to find or create the registration"),
  })
  .passthrough();

export type RegistrationConfig = z.output<typeof registrationSchema>;
