import { z } from "zod";
import { authSchema } from "./auth-schema.ts";
import { keysSchema } from "./keys-schema.ts";
import { registrationSchema } from "./registration-schema.ts";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const subscriptionId = z.string().regex(GUID, "must be a subscription GUID");
// ARM resource group and site naming rules (Microsoft.Resources / Microsoft.Web).
const resourceGroup = z.string().regex(/^[-\w._()]{1,90}$/, "must be 1-90 letters, digits, '-', '_', '.', '(' or ')'");
const siteName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,58}$/, "must be 1-59 letters, digits or '-', not starting with '-'");
const slotName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,58}$/, "must be a slot name (letters, digits, '-')");

export const appSchema = z
  .object({
    name: siteName.describe("Site name (Microsoft.Web/sites)"),
    subscriptionId: subscriptionId.optional().describe("Default: defaults.subscriptionId, then AZURE_SUBSCRIPTION_ID"),
    resourceGroup: resourceGroup.optional().describe("Default: defaults.resourceGroup"),
    slots: z.array(slotName).default([]).describe("Deployment slots managed besides production; each is planned and applied on its own"),
    auth: authSchema.optional().describe("Desired Easy Auth (authsettingsV2); only the fields given here are owned"),
    registration: registrationSchema.optional().describe("Desired Entra app registration (update-manifest)"),
    keys: keysSchema.optional().describe("Function/host key rotation policy (rotate-keys)"),
  })
  .strict();

export const defaultsSchema = z
  .object({
    subscriptionId: subscriptionId.optional().describe("Subscription of apps that do not name one (then AZURE_SUBSCRIPTION_ID)"),
    resourceGroup: resourceGroup.optional().describe("Resource group of apps that do not name one"),
    auth: authSchema.partial().optional().describe("Merged under every app's auth (app values win, field by field)"),
    registration: registrationSchema.optional(),
    keys: keysSchema.optional(),
  })
  .strict();

export const fleetSchema = z
  .object({
    $schema: z.string().optional().describe("Path or URL of config/schema.json, for editors"),
    version: z.literal(1).default(1).describe("Config format version"),
    defaults: defaultsSchema.default({}),
    apps: z.array(appSchema).min(1, "list at least one app"),
  })
  .strict()
  .describe("easyauth-fleet configuration: the apps to reconcile and their desired Easy Auth, registration and keys");

export type FleetInput = z.input<typeof fleetSchema>;
export type Fleet = z.output<typeof fleetSchema>;
export type AppConfigRaw = z.output<typeof appSchema>;
