import type { Retention } from "./bundle.ts";
import type { VaultState } from "./state.ts";

/** What every Key Vault route needs. */
export interface VaultEnv {
  state: VaultState;
  /** The vault URL: the emulator's origin, so ids read `https://127.0.0.1:<port>/secrets/<name>/<version>`. */
  baseUrl: () => string;
  retention: Retention;
  pageSize: number;
}
