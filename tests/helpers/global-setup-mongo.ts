/** Starts the local mongo servers for the run (filled in by the mongo provider work). */
export default async function setup(): Promise<void> {}
