// Types of scripts/prisma-engine.mjs (a plain ES module so that `postinstall` runs with no build step), for the tests
// and scripts that import it.

export declare const PACKAGE_NAME: string;
export declare const PACKAGE_ROOT: string;
export declare const GENERATED_DIR: string;
export declare const BRIDGE_MARKER: string;

export type EngineSource = { path: string; source: string; error?: undefined };
export type EngineFailure = { path?: undefined; error: string };

export declare function realEngine(path: string | undefined): string | undefined;
export declare function engineVersionOf(generatedDir: string): string;
export declare function currentPlatform(): Promise<string>;
export declare function engineFileName(platform: string): string;
export declare function knownPlatforms(): string[];
export declare function installedEngine(options: { version: string; platform: string; from: string[] }): EngineSource | undefined;
export declare function downloadEngine(options: { version: string; platform: string; dir: string }): Promise<string>;
export declare function obtainEngine(options: {
  version: string;
  platform: string;
  from: string[];
  downloadDir: string;
  download?: boolean;
}): Promise<EngineSource | EngineFailure>;
export declare function withoutAddresses(text: string): string;
export declare function placeEngine(
  packageRoot?: string,
  options?: { from?: string[]; download?: boolean },
): Promise<(EngineSource | EngineFailure) & { platform: string }>;
export declare function writeClientBridge(packageRoot?: string): { dir: string; skipped?: undefined } | { dir?: undefined; skipped: string };
export declare function isInstalledCopy(packageRoot?: string): boolean;
export declare function postinstall(packageRoot?: string, log?: (line: string) => void): Promise<number>;
