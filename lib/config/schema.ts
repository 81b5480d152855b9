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

// ARM tag names and values (tag-resources, "Limitations"): a name up to 512 characters, a value up to 256.
const tagName = z.string().regex(/^[^<>%&\\?/]{1,512}$/, "must be 1-512 characters, none of < > % & \\ ? /");

export const selectSchema = z
  .object({
    subscriptions: z
      .array(subscriptionId)
      .optional()
      .describe("Subscriptions to search (default: defaults.subscriptionId, then AZURE_SUBSCRIPTION_ID)"),
    resourceGroups: z
      .array(resourceGroup)
      .optional()
      .describe("Only these resource groups (each is one paged list per subscription)"),
    tags: z
      .record(tagName, z.string().max(256))
      .optional()
      .describe("Only apps carrying every one of these tags (name: value, both exact); slots follow their app"),
    kind: z
      .string()
      .regex(/^[\w-]+$/, "must be one word of a site's kind, e.g. functionapp or app")
      .optional()
      .describe("Only sites whose kind includes this word (functionapp, app, linux…)"),
  })
  .strict()
  .describe(
    "Apps found in Azure (ARM's resources list) besides the listed ones; they get `defaults`, a listed app's own block wins",
  );

export const fleetSchema = z
  .object({
    $schema: z.string().optional().describe("Path or URL of config/schema.json, for editors"),
    version: z.literal(1).default(1).describe("Config format version"),
    defaults: defaultsSchema.default({}),
    select: selectSchema.optional(),
    apps: z.array(appSchema).default([]).describe("Apps by name; may be empty when `select` finds them"),
  })
  .strict()
  .describe(
    "easyauth-fleet configuration: the apps to reconcile and their desired Easy Auth, registration, site hardening and keys",
  );

export type Fleet = z.output<typeof fleetSchema>;
