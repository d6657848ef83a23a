// Types of scripts/codemod-prisma-imports.mjs, for its tests.

export declare const FROM: string;
export declare const TO: string;
export declare function rewritePrismaImports(source: string): { text: string; changes: Array<{ line: number; before: string; after: string }> };
export declare function sourceFiles(paths: readonly string[]): string[];
export declare function main(argv: readonly string[], write?: (text: string) => void): number;
