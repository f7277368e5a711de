/** Types of bin/build-cli.mjs (plain JavaScript, so that it runs before anything is built). */
export interface CliBuildPlace {
  /** The project folder the sources are read from (default: this checkout). */
  root?: string;
  /** Where builds and manifest.json go (default: dist/cli under the project folder). */
  outDir?: string;
}
export declare const ROOT: string;
export declare const OUT_DIR: string;
/** The built entry module when every source it was built from is older than the build. */
export declare function freshCli(place?: CliBuildPlace): string | undefined;
/** Builds the bundle and returns its entry module. */
export declare function buildCli(place?: CliBuildPlace): Promise<string>;
