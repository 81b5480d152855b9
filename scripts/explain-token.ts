import { processIo } from "../lib/cli/common.ts";
import { runMain } from "../lib/cli/main.ts";
import { explainTokenCommand } from "../lib/commands/explain-token.ts";

runMain((argv) => explainTokenCommand(argv, processIo()));
