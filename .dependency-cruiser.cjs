/**
 * Imports flow one way: bin → scripts → commands → pipeline/resources/config → azure → errors. The emulator imports nothing
 * from the tool. Run by `npm test` (npm run deps).
 */
const layer = (name, path, mayNotImport, comment) => ({
  name,
  comment,
  severity: "error",
  from: { path },
  to: { path: mayNotImport },
});

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "No import cycles, types included.",
      from: {},
      to: { circular: true },
    },
    layer(
      "bin-is-the-top",
      "^(lib|scripts)/",
      "^bin/",
      "bin/easyauth-fleet.ts dispatches to the scripts; nothing imports it.",
    ),
    layer(
      "bin-only-dispatches",
      "^bin/",
      "^lib/(?!cli/args\\.ts$|cli/main\\.ts$|errors\\.ts$)",
      "The bin loads scripts and knows only the CLI's args, its one exit and UsageError.",
    ),
    layer(
      "errors-is-the-bottom",
      "^lib/errors\\.ts$",
      "^(lib/(?!errors\\.ts)|scripts/)",
      "lib/errors.ts imports nothing from the tool.",
    ),
    layer(
      "azure-below-the-tool",
      "^lib/azure/",
      "^(lib/(pipeline|resources|config|cli|commands|audit|demo|emulator)/|scripts/)",
      "lib/azure talks to Azure; it knows no kinds, no config, no CLI.",
    ),
    layer(
      "pipeline-knows-no-kind",
      "^lib/pipeline/",
      "^(lib/(resources|config|cli|commands|demo|emulator)/|scripts/)",
      "The pipeline owns orchestration and the contract; kinds plug into it.",
    ),
    layer(
      "kinds-below-config-and-cli",
      "^lib/resources/",
      "^(lib/(config|cli|commands|demo|emulator)/|scripts/)",
      "A kind holds its own config slice; lib/config composes the kinds, never the reverse.",
    ),
    layer(
      "uses-of-the-kinds-below-cli",
      "^lib/(audit|export|restore)/",
      "^(lib/(cli|commands|demo|emulator)/|scripts/)",
      "Audit, export and restore read the kinds' observers and plans; flags and the process stay above them.",
    ),
    layer(
      "config-below-cli",
      "^lib/config/",
      "^(lib/(cli|commands|demo|emulator)/|scripts/)",
      "Config loading is offline and knows no commands.",
    ),
    layer(
      "cli-below-commands",
      "^lib/cli/",
      "^(lib/(commands|demo|emulator|resources)/|scripts/)",
      "Flags, io and the one exit; commands choose kinds.",
    ),
    layer(
      "commands-below-scripts",
      "^lib/commands/",
      "^(lib/(demo|emulator)/|scripts/)",
      "Commands are libraries; scripts add the process.",
    ),
    layer(
      "emulator-stands-alone",
      "^lib/emulator/",
      "^(lib/(?!emulator/)|scripts/)",
      "The emulator imports nothing from the tool.",
    ),
    {
      name: "kinds-in-dependency-order",
      comment: "A kind may use the kinds before it (auth reads the registration), never one after it.",
      severity: "error",
      from: { path: "^lib/resources/registration/" },
      to: { path: "^lib/resources/(auth|site|keys)/" },
    },
    { name: "no-orphans", severity: "error", from: { orphan: true, path: "^lib/", pathNot: "\\.d\\.ts$" }, to: {} },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "^(node_modules|test/reference)" },
  },
};
