import { processIo } from "../lib/cli/common.ts";
import { runMain } from "../lib/cli/main.ts";
import { updateManifestCommand } from "../lib/commands/update-manifest.ts";

runMain((argv) => updateManifestCommand(argv, processIo()));
