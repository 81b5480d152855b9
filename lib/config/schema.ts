import { z } from "zod";
import { KINDS } from "../resources/index.ts";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const subscriptionId = z.string().regex(GUID, "must be a subscription GUID");
// ARM resource group and site naming rules (Microsoft.Resources / Microsoft.Web).
const resourceGroup = z.string().regex(/^[-\w._()]{1,90}$/, "must be 1-90 letters, digits, '-', '_', '.', '(' or ')'");
const siteName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,58}$/, "must be 1-59 letters, digits or '-', not starting with '-'");
const slotName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,58}$/, "must be a slot name (letters, digits, '-')");

// Each kind's block, under its key, in the kinds' order: the schema holds nothing kind-specific.
const appSlices = Object.fromEntries(KINDS.map((k) => [k.config.key, k.config.schema.optional()]));
const defaultSlices = Object.fromEntries(KINDS.map((k) => [k.config.key, k.config.defaultsSchema.optional()]));

export const appSchema = z
  .object({
    name: siteName.describe("Site name (Microsoft.Web/sites)"),
    subscriptionId: subscriptionId.optional().describe("Default: defaults.subscriptionId, then AZURE_SUBSCRIPTION_ID"),
    resourceGroup: resourceGroup.optional().describe("Default: defaults.resourceGroup"),
    slots: z
      .array(slotName)
      .default([])
      .describe("Deployment slots managed besides production; each is planned and applied on its own"),
    ...appSlices,
  })
  .strict();

export const defaultsSchema = z
  .object({
    subscriptionId: subscriptionId
      .optional()
      .describe("Subscription of apps that do not name one (then AZURE_SUBSCRIPTION_ID)"),
    resourceGroup: resourceGroup.optional().describe("Resource group of apps that do not name one"),
    ...defaultSlices,
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
  .describe(
    "easyauth-fleet configuration: the apps to reconcile and their desired Easy Auth, registration, site hardening and keys",
  );

export type Fleet = z.output<typeof fleetSchema>;
