import { processIo } from "../lib/cli/common.ts";
import { runMain } from "../lib/cli/main.ts";
import { configureSiteCommand } from "../lib/commands/configure-site.ts";

runMain((argv) => configureSiteCommand(argv, processIo()));
