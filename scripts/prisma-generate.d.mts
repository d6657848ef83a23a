// Types of the exports of scripts/prisma-generate.mjs, for its tests.

export declare const INSTALLED_OUTPUT: string;
export declare function patchGeneratedIndex(text: string, platforms?: readonly string[]): string;
export declare function schemaHashOf(text: string): string;
