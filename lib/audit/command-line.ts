/** How a finding's command is shown: `configure-auth --migrate-v1` → `tsx scripts/configure-auth.ts --migrate-v1`. */
export type CommandLineOf = (command: string) => string;

export const commandLineOf: CommandLineOf = (command) => {
  const [name, ...rest] = command.split(" ");
  return [`tsx scripts/${name}.ts`, ...rest].join(" ");
};
